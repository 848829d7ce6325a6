//go:build !linux && !windows

package tagged

func osName() string { return "other" }
