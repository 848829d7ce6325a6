// Command slimproject uses one package of a module with much more in it: the slim tree keeps
// that package, its embedded assets and the licences, and leaves the rest out.
package main

import (
	"fmt"

	"example.com/slimmed/pkg/used"
)

func main() {
	fmt.Print(used.Greeting())
}
