module example.com/Upper/Mixed

go 1.21
