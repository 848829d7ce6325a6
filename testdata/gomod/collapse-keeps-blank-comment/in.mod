module example.com/m

go 1.21

// about the block
replace (
	example.com/a => ./a

	// about b

	example.com/b => ./b
)
