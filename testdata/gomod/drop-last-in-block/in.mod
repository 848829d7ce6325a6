module example.com/m

go 1.21

// local replacements
replace (
	example.com/a => ./a // first

	// about b
	example.com/b => ./b // second
)

require example.com/a v1.0.0
