package y

// Y is four.
const Y = 4
