package local

import "example.com/local/sub"

// L is eleven.
const L = sub.S
