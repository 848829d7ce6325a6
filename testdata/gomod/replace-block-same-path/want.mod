module example.com/m

go 1.21

replace (
	example.com/a v1.0.0 => ./a1
	example.com/a v1.5.0 => ./a15
	example.com/b => ./b
	example.com/c v0.5.0 => ./c05
	example.com/c v1.0.0 => ./c1
	example.com/c v2.0.0+incompatible => ./c2
)
