package main

import (
	"fmt"

	"example.com/dep"
	"example.com/local"
	"example.com/main/internal/app"
	"example.com/nogomod"
	"example.com/outer/inner/y"
	"example.com/outer/x"
	"example.com/replaced/pkg"
)

func main() {
	fmt.Println(dep.Sum(), local.L, app.A, nogomod.N, y.Y, x.X, pkg.P)
}
