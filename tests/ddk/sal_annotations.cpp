// sal_annotations.c compiled as C++17.
#include "sal_annotations.c"
