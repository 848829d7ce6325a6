module example.com/m

go 1.21

require example.com/a v1.0.0

replace (
	example.com/b => ../b
	example.com/c v1.0.0 => example.com/c3 v1.1.0
	example.com/d => ./third_party/d
)

replace example.com/e => ./e

replace example.com/a => ./a
