// Package mixed lives at a module path with uppercase letters, escaped as !upper/!mixed on disk.
package mixed

// Name returns the module path.
func Name() string { return "example.com/Upper/Mixed" }
