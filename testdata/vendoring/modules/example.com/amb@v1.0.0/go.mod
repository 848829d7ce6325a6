module example.com/amb

go 1.18
