// Command basic uses most fixture modules.
package main

import (
	"fmt"

	"example.com/basic/internal/report"
)

func main() {
	for _, line := range report.Lines() {
		fmt.Println(line)
	}
}
