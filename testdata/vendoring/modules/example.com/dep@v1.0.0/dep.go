// Package dep is the main fixture dependency.
package dep

import (
	"example.com/dep/a/b"
	"example.com/dep/a/b/c"
	"example.com/dep/cgopkg"
	"example.com/dep/embedded"
	"example.com/dep/internal/util"
	"example.com/dep/x/y"
)

// Sum uses every imported package.
func Sum() int {
	return util.One + embedded.Len() + cgopkg.Value() + b.B + c.C + y.Y
}
