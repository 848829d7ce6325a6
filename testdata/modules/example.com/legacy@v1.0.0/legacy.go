// Package legacy predates modules: this version has no go.mod, so its .mod is synthesized.
package legacy

// Version names the release of this package.
func Version() string { return "legacy v1.0.0" }
