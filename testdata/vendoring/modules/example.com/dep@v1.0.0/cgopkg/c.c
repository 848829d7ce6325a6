#include "c.h"
int value(void) { return 7; }
