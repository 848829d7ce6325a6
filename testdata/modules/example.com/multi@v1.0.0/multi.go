// Package multi exists in several versions so that version selection has work to do.
package multi

// Version names the release of this package.
func Version() string { return "multi v1.0.0" }
