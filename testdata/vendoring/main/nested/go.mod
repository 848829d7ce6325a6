module example.com/main/nested

go 1.22
