module example.com/wb

go 1.21

require (
	example.com/nogomod v1.0.0
	example.com/replaced v1.0.0
)

replace example.com/replaced => example.com/fork v1.1.0
