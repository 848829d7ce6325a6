package embedded

import (
	"embed"
)

//go:embed static
var static embed.FS

//go:embed *.tmpl
var templates embed.FS

//go:embed all:assets
var assets embed.FS

//go:embed "file with space.txt" data/one.txt
var files embed.FS

// Len counts embedded entries.
func Len() int {
	entries, _ := static.ReadDir("static")
	return len(entries)
}
