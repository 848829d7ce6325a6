// Package report gathers one line from each dependency.
package report

import (
	mixed "example.com/Upper/Mixed"
	"example.com/Upper/Mixed/sub"
	"example.com/embedded"
	"example.com/legacy"
	"example.com/multi"
	multiv2 "example.com/multi/v2"
	"example.com/old116"
	"example.com/pseudo"
	"example.com/tagged"
)

// Lines returns one line per dependency.
func Lines() []string {
	static, _ := embedded.Static("a.txt")
	pair := multi.New("a", "b")
	return []string{
		mixed.Name(),
		fmt(sub.Twice(21)),
		embedded.Version() + string(static),
		legacy.Version() + " " + legacy.Shout("hi"),
		multi.Version() + " " + pair.A + pair.B,
		multiv2.Version(),
		old116.Describe(),
		pseudo.Commit,
		tagged.Describe(),
	}
}

func fmt(n int) string {
	digits := ""
	for n > 0 {
		digits = string(rune('0'+n%10)) + digits
		n /= 10
	}
	return digits
}
