module example.com/m

go 1.21

// a is forked
replace example.com/a => example.com/a-fork v1.0.0 // fork

require example.com/a v1.0.0
