//go:build !noassets

// Package assets serves generated data; `go generate` writes generatedData into a file that is
// not committed, so without the `noassets` tag the package does not compile.
package assets

var Data = generatedData
