module example.com/cgoproject

go 1.21

require example.com/cgolib v1.0.0
