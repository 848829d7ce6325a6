module example.com/m

go 1.21

replace (
	example.com/a v1.0.0 => ./a1
	example.com/b => ./b
	example.com/c v1.0.0 => ./c1
)
