// Command noassets builds only with `-tags noassets` until its assets are generated: the shape
// of a repository whose build needs generated files or a build tag (gomodoff check's fixture).
package main

import (
	"fmt"

	"example.com/multi"
	"example.com/noassets/assets"
)

func main() {
	fmt.Println(multi.Version(), assets.Data)
}
