// Command demo is an example the build never loads: left out.
package main

func main() {}
