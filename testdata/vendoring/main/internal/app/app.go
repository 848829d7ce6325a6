package app

import "example.com/local/sub"

// A is twelve.
const A = sub.S + 1
