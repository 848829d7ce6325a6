package main_test

import (
	"testing"

	_ "example.com/testdep/xonly"
)

func TestX(t *testing.T) {}
