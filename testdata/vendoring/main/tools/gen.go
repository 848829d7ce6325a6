//go:build ignore

package main

import _ "example.com/nonexistent/tools"
