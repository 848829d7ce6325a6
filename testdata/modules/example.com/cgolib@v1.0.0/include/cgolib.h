#ifndef CGOLIB_H
#define CGOLIB_H

int cgolib_add(int a, int b);
const char *cgolib_name(void);

#endif
