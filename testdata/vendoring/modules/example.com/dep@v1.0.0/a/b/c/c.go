package c

// C is three.
const C = 3
