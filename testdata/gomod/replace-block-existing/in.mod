module example.com/m

go 1.21

require example.com/a v1.0.0

replace (
	example.com/b => ../b
	example.com/c v1.0.0 => example.com/c2 v1.0.1
	example.com/d => ./third_party/d
)
