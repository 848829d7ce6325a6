// Command replaces builds against a fork and a local directory replacement.
package main

import (
	"fmt"

	mixed "example.com/Upper/Mixed"
	"example.com/multi"
	"example.com/old116"
)

func main() {
	fmt.Println(mixed.Name())
	fmt.Println(multi.Version(), multi.Forked())
	fmt.Println(old116.Describe())
}
