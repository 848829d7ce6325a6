module example.com/m

go 1.21

replace (
	example.com/a => ./a
	example.com/b => ./b
// keep me
)
