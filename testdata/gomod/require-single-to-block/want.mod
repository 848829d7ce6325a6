module example.com/m

go 1.21

require (
	// the only dependency
	example.com/a v1.0.0 // direct
	example.com/b v1.0.0
)

replace example.com/a => ./a
