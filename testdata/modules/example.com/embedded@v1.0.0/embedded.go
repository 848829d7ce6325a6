// Package embedded embeds a file, a glob, a directory and an all: directory.
package embedded

import "embed"

//go:embed version.txt
var version string

//go:embed static/*.txt
var static embed.FS

//go:embed templates
var templates embed.FS

//go:embed all:assets
var assets embed.FS

// Version returns the embedded version.txt.
func Version() string { return version }

// Static reads one embedded static text file.
func Static(name string) ([]byte, error) { return static.ReadFile("static/" + name) }

// Template reads one embedded template.
func Template(name string) ([]byte, error) { return templates.ReadFile("templates/" + name) }

// Asset reads one embedded asset, hidden ones included.
func Asset(name string) ([]byte, error) { return assets.ReadFile("assets/" + name) }
