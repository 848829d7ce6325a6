module example.com/m

go 1.21

replace (
	example.com/a => ./a-all
	example.com/b => ./b
	example.com/b v2.0.0+incompatible => ./b2
)
