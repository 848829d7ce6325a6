package used

import "testing"

func TestGreeting(t *testing.T) {
	if Greeting() == "missing asset" {
		t.Fatal("asset missing")
	}
}
