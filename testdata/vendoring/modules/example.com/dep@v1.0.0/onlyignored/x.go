//go:build ignore

package onlyignored
