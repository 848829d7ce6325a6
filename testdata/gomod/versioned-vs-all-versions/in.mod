module example.com/m

go 1.21

replace (
	example.com/a v1.0.0 => ./a1
	example.com/a v1.1.0 => ./a11 // newer
	example.com/b => ./b
)
