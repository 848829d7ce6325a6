/* a header in a non-package directory: kept for cgo */
#define SLIMMED 1
