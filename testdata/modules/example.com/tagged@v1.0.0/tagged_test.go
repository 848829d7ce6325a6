package tagged

import "testing"

func TestDescribe(t *testing.T) {
	if Describe() == "" {
		t.Fatal("empty description")
	}
}
