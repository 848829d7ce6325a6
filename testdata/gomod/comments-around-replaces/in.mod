// Header comment.

module example.com/m

go 1.21

// Keep b local while we patch it.
replace example.com/b => ../b // see issue 12

// A standalone note.

replace (
	// Fork of c.
	example.com/c => example.com/c-fork v1.2.0 // pinned

	// Local d.
	example.com/d => ./d
	example.com/e => ./e
// closing note
)

// trailing comment
