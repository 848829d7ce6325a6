package util

// One is one.
const One = 1
