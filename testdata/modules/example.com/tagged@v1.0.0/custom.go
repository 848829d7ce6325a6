//go:build customtag

package tagged

// Custom exists only with -tags customtag.
func Custom() bool { return true }
