module example.com/m

go 1.21

replace example.com/a => "./dir with space"
