package main

import "example.com/dep/internal/util"

func main() { _ = util.One }
