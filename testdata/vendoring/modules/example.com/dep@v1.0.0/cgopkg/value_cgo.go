//go:build cgo

package cgopkg

/*
#include "c.h"
*/
import "C"

// Value calls into C.
func Value() int { return int(C.value()) }
