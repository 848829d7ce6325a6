package app

import (
	"testing"

	_ "example.com/testdep/apptest"
)

func TestA(t *testing.T) {}
