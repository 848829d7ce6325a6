module example.com/m

go 1.21

// about the block

// about b

replace example.com/b => ./b
