// The same compile check as all_headers.c, as C++17.
#include "all_headers.c"
