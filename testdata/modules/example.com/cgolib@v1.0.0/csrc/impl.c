/* Not a package directory: `go mod vendor` drops this file, but binding/binding.c includes it. */
#include "cgolib.h"

int cgolib_add(int a, int b) { return a + b; }

const char *cgolib_name(void) { return "cgolib"; }
