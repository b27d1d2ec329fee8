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

// The cursor of the `row_batch` table-valued function (Storage's RowBatch.swift): SQLite's own
// cursor first, as the virtual-table interface requires, then where it is in the batch.
typedef struct callstats_row_batch_cursor {
    sqlite3_vtab_cursor base;
    const unsigned char *values;    /* the buffer the rows' values are encoded in */
    const sqlite3_int64 *offsets;   /* where each value is in it, row after row */
    sqlite3_int64 columns;
    sqlite3_int64 rows;
    sqlite3_int64 row;
} callstats_row_batch_cursor;

// The type of the pointer bound to `row_batch` (sqlite3_bind_pointer): a string that lives as
// long as the program, as SQLite requires.
static inline const char *callstats_row_batch_pointer_type(void) {
    return "callstats_row_batch";
}

#endif
