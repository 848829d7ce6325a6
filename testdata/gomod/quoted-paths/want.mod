module example.com/m

go 1.21

replace example.com/a => "./other dir"

replace example.com/b => "./b dir"

replace example.com/c => "./c(1)"
