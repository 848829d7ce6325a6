module example.com/m

go 1.21

require (
	example.com/0 v1.0.0
	example.com/a v1.0.0
	example.com/b v0.3.0
	example.com/c v1.2.0
	example.com/d v1.0.0
)
