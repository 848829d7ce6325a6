package b

// B is two.
const B = 2
