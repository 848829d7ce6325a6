// Package unused is never imported: a slim tree leaves it out.
package unused

// Nothing is never called.
func Nothing() {}
