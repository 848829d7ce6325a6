module example.com/m

go 1.21

require example.com/a v1.0.0

replace example.com/a => ./a
