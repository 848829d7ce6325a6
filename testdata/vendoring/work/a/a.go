package wa

import (
	"example.com/dep/x/y"
	"example.com/local"
)

// W adds.
const W = y.Y + local.L
