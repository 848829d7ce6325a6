package nogomod

// N is eight.
const N = 8
