package pkg

// P is seven.
const P = 7
