//go:build customtag && !cgo

package dep

import _ "example.com/dep/tagonly"
