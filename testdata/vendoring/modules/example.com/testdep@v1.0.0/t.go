package testdep

import "example.com/dep2"

// T is nine.
const T = dep2.D
