//go:build ignore

package dep

import _ "example.com/nonexistent/ignored"
