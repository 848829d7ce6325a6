module example.com/m

go 1.21

require (
	example.com/a v1.0.0
	example.com/b v1.2.0 // indirect
	example.com/c v1.3.0 // indirect; used by tests
)
