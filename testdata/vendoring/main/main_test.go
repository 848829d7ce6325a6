package main

import (
	"testing"

	"example.com/testdep"
)

func TestT(t *testing.T) { _ = testdep.T }
