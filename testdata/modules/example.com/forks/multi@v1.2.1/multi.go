// Package multi is a fork of example.com/multi, used as a replace target.
package multi

// Version names the release of this package.
func Version() string { return "forks/multi v1.2.1" }

// Pair mirrors example.com/multi's Pair.
type Pair struct{ A, B string }

// New makes a Pair.
func New(a, b string) Pair { return Pair{A: a, B: b} }

// Forked is only in the fork.
func Forked() bool { return true }
