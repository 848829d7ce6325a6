module example.com/modonly

go 1.16

require example.com/multi v1.0.0
