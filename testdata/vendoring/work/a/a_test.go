package wa

import (
	"testing"

	"example.com/testdep"
)

func TestW(t *testing.T) { _ = testdep.T }
