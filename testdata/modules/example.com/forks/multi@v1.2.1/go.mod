module example.com/forks/multi

go 1.21
