package multi

// Pair is new in v1.2.0.
type Pair struct{ A, B string }

// New makes a Pair; added in v1.2.0.
func New(a, b string) Pair { return Pair{A: a, B: b} }
