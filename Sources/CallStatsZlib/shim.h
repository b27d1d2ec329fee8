#ifndef CALLSTATS_ZLIB_SHIM_H
#define CALLSTATS_ZLIB_SHIM_H
#include <zlib.h>
#endif
