module example.com/slimmed

go 1.21
