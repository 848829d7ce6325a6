package report

import "testing"

func TestLines(t *testing.T) {
	if got := len(Lines()); got != 9 {
		t.Fatalf("got %d lines, want 9", got)
	}
}
