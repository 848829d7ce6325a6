module example.com/m

go 1.21

// the only dependency
require example.com/a v1.0.0 // direct

replace example.com/a => ./a
