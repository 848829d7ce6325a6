// Package old116 is a go 1.16 module (no graph pruning) with requirements of its own.
package old116

import (
	"example.com/legacy"
	"example.com/multi"
)

// Describe names the versions old116 sees.
func Describe() string { return "old116 with " + legacy.Version() + " and " + multi.Version() }
