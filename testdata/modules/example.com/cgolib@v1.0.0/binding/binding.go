// Package binding wraps C code kept in ../csrc, ../include and ../tables (a file that only a
// cgo directive's -I names).
package binding

/*
#cgo CFLAGS: -I${SRCDIR}/../include -I${SRCDIR}/../tables
#include "cgolib.h"
#include "answer.tbl"
*/
import "C"

// Add adds in C.
func Add(a, b int) int { return int(C.cgolib_add(C.int(a), C.int(b))) }

// Name returns a string made in C.
func Name() string { return C.GoString(C.cgolib_name()) }
