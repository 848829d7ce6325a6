module example.com/major/v2

go 1.22
