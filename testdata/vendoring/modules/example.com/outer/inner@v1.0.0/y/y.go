package y

// Y is six.
const Y = 6
