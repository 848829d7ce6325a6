module example.com/m

go 1.21

require (
	example.com/a v1.0.0
	example.com/c v1.0.0
)

require (
	example.com/b v1.2.3
	example.com/x v1.1.0 // indirect
	example.com/z v1.0.0 // indirect
)
