package testsonly

import (
	"testing"

	_ "example.com/dep/unused"
)

func TestOnly(t *testing.T) {}
