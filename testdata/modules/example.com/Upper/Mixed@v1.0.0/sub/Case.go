// Package sub has an uppercase file name.
package sub

// Twice doubles n.
func Twice(n int) int { return 2 * n }
