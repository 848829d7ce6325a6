//go:build !cgo

package cgopkg

// Value is the pure Go fallback.
func Value() int { return 7 }
