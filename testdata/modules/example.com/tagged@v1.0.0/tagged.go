// Package tagged has files for several build constraints.
package tagged

// Describe names the OS-specific file that was compiled in.
func Describe() string { return "tagged on " + osName() }
