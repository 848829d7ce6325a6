//go:build plan9

package dep

import _ "example.com/dep/plan9only"
