// Package binding wraps C code kept in ../csrc and ../include.
package binding

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#include "cgolib.h"
*/
import "C"

// Add adds in C.
func Add(a, b int) int { return int(C.cgolib_add(C.int(a), C.int(b))) }

// Name returns a string made in C.
func Name() string { return C.GoString(C.cgolib_name()) }
