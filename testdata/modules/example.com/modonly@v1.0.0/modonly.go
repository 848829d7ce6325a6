// Package modonly is required but never imported: only its go.mod is ever needed.
package modonly

import "example.com/multi"

// Version reports the multi version it was built with.
func Version() string { return multi.Version() }
