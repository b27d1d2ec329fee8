#ifndef CALLSTATS_SQLITE_SHIM_H
#define CALLSTATS_SQLITE_SHIM_H

#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer, which Swift cannot import.
static inline sqlite3_destructor_type callstats_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

// sqlite3_config is variadic, which Swift cannot call. Memory statistics make every
// allocation take a process-wide mutex; CallStats never reads them. Must run before SQLite
// initializes (the first open); later it returns SQLITE_MISUSE and changes nothing.
static inline int callstats_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
