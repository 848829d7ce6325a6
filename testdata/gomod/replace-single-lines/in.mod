module example.com/m

go 1.21

replace example.com/a v1.0.0 => ./a1

replace example.com/b => ./b
