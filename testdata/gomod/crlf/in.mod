module example.com/m

go 1.21

require (
	example.com/a v1.0.0
	example.com/c v1.0.0 // indirect
)

replace example.com/a v1.0.0 => ./a
