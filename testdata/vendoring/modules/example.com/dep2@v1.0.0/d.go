package dep2

// D is ten.
const D = 10
