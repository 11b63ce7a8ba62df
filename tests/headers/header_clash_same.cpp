/* header_clash_same.cpp: header_clash_same.c compiled as C++. */
#include "header_clash_same.c"
