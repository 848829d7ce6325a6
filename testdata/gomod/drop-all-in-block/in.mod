module example.com/m

go 1.21

require example.com/a v1.0.0

// all local
replace (
	example.com/a => ./a
	example.com/b => ./b
// end
)

exclude example.com/z v0.1.0
