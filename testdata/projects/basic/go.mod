module example.com/basic

go 1.22

require (
	example.com/Upper/Mixed v1.0.0
	example.com/embedded v1.0.0
	example.com/legacy v2.0.0+incompatible
	example.com/multi v1.2.0
	example.com/multi/v2 v2.0.0
	example.com/old116 v1.0.0
	example.com/pseudo v0.0.0-20240101000000-abcdefabcdef
	example.com/tagged v1.0.0
)
