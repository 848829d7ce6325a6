package sub

// S is eleven.
const S = 11
