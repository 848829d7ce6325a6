module example.com/m

go 1.22

replace example.com/a v1.2.3 => example.com/fork/a v1.2.4

require example.com/a v1.2.3
