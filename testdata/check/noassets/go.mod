module example.com/noassets

go 1.22

require example.com/multi v1.2.0
