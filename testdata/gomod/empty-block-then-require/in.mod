module example.com/m

go 1.21

// deps
require (
	example.com/a v1.0.0 // keep
	example.com/b v1.0.0
)
