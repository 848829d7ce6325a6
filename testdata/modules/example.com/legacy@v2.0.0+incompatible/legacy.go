// Package legacy predates modules: v2 was tagged without a /v2 path, hence +incompatible.
package legacy

import "strings"

// Version names the release of this package.
func Version() string { return "legacy v2.0.0+incompatible" }

// Shout upper-cases s; added in v2.
func Shout(s string) string { return strings.ToUpper(s) + "!" }
