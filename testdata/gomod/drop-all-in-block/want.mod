module example.com/m

go 1.21

require example.com/a v1.0.0

exclude example.com/z v0.1.0
