module example.com/legacy116

go 1.16

require (
	example.com/legacy v1.0.0
	example.com/old116 v1.0.0
)
