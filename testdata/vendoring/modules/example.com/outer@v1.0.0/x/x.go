package x

// X is five.
const X = 5
