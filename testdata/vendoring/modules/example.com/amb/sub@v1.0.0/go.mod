module example.com/amb/sub

go 1.18
