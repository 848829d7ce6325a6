module example.com/testdep

go 1.16

require example.com/dep2 v1.0.0
