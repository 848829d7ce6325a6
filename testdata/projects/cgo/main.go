// Command cgoproject calls C code whose sources sit outside the package directory.
package main

import (
	"fmt"

	"example.com/cgolib/binding"
)

func main() {
	fmt.Println(binding.Name(), binding.Add(40, 2))
}
