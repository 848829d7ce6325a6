module example.com/m

go 1.21

// deps
require example.com/c v1.0.0
