module example.com/m

go 1.21

require (
	example.com/a v1.0.0
	example.com/b v1.0.0
	example.com/c v1.0.0 // indirect
)

replace (
	example.com/a v1.0.0 => ./a
	example.com/a v1.1.0 => ./a11
)

replace example.com/z => ./z
