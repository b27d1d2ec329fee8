#ifndef CALLSTATS_ZSTD_SHIM_H
#define CALLSTATS_ZSTD_SHIM_H
#include <zstd.h>
#endif
