module example.com/m

go 1.21

// local replacements

// about b
replace example.com/b => ./b // second

require example.com/a v1.0.0
