// Command legacy116 is a go 1.16 main module: no graph pruning, no toolchain line.
package main

import (
	"fmt"

	"example.com/legacy"
	"example.com/old116"
)

func main() {
	fmt.Println(legacy.Version())
	fmt.Println(old116.Describe())
}
