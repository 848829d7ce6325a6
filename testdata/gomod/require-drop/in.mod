module example.com/m

go 1.21

require example.com/solo v1.0.0

require (
	example.com/a v1.0.0
	example.com/b v1.1.0 // indirect
	example.com/c v1.2.0
)
