package dep

import (
	"testing"

	_ "example.com/dep/testhelper"
)

func TestSum(t *testing.T) {}
