module example.com/replaces

go 1.21

require (
	example.com/Upper/Mixed v1.0.0
	example.com/multi v1.2.0
	example.com/old116 v1.0.0
)

require example.com/legacy v1.0.0 // indirect

// The user's own replacements, which gomodoff must keep or put back.
replace example.com/multi => example.com/forks/multi v1.2.1

replace example.com/Upper/Mixed v1.0.0 => ./localmixed

exclude example.com/multi v1.1.0
