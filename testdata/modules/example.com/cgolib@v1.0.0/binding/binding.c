/* The implementation lives outside this package directory. */
#include "../csrc/impl.c"
