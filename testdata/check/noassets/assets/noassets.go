//go:build noassets

package assets

// Data without generated assets.
var Data = "no assets"
