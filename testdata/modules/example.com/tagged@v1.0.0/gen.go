//go:build ignore

// gen.go is a generator run with `go run gen.go`; `go mod vendor` leaves it out.
package main

import "fmt"

func main() { fmt.Println("generated") }
