// Package used is the one package of example.com/slimmed the slim project imports.
package used

import "embed"

//go:embed assets
var assets embed.FS

// Greeting reads an embedded asset.
func Greeting() string {
	b, err := assets.ReadFile("assets/greeting.txt")
	if err != nil {
		return "missing asset"
	}
	return string(b)
}
