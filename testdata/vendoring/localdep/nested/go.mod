module example.com/local/nested

go 1.19
