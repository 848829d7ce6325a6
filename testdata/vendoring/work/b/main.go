package main

import (
	"fmt"

	"example.com/nogomod"
	"example.com/replaced/pkg"
)

func main() { fmt.Println(nogomod.N, pkg.P) }
