// Package mixed is a local copy replacing example.com/Upper/Mixed.
package mixed

// Name says this is the local replacement.
func Name() string { return "example.com/Upper/Mixed (local replacement)" }
