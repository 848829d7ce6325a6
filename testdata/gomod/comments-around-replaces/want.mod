// Header comment.

module example.com/m

go 1.21

replace (
	// Keep b local while we patch it.
	example.com/b => ../b2 // see issue 12
	example.com/b v1.0.0 => ../b1
)

// A standalone note.

replace (
	// Fork of c.
	example.com/c => example.com/c-fork v1.2.0 // pinned
	example.com/e => ./e
// closing note
)

// trailing comment

replace example.com/f => ./f
