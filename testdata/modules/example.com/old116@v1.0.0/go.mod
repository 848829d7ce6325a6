module example.com/old116

go 1.16

require (
	example.com/legacy v1.0.0
	example.com/modonly v1.0.0
	example.com/multi v1.1.0
)
