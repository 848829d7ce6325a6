// Package multi is major version 2, a different module from example.com/multi.
package multi

// Version names the release of this package.
func Version() string { return "multi/v2 v2.0.0" }
