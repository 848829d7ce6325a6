module example.com/slimproject

go 1.21

require example.com/slimmed v1.0.0
