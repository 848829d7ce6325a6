module example.com/m

go 1.22

require (
	example.com/b v1.0.0 // indirect
	example.com/c v0.1.0
)

replace example.com/a v1.0.0 => ../a100

replace example.com/b => ../b2

replace example.com/c v0.1.0 => example.com/c-fork v0.1.1
