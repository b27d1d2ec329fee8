/* What SQLite itself needs to write the rows an import derived, with no CallStats code around it
 * (BENCHMARKS.md, "queue_log import"): the floor of the import's row thread.
 *
 * Copies the derived tables of IMPORTED (a database `callstats import queue-log` wrote) into
 * fresh databases of the same schema, on this thread, three ways:
 *   read:     every row of each table read, nothing written (the cost the two others include);
 *   rowwise:  one bound INSERT per row, in id order, a commit every 50,000 rows, as the row thread
 *             runs them (its statements are those of Sources/Recording/Rows, built the same way);
 *   bulk:     one `INSERT ... SELECT` per table (SQLite's own copy, no statement per row).
 * Each prints its CPU seconds and microseconds per row. The deferred caller-number index is left
 * out, as during an import's catching up; the others are the schema's.
 *
 *   gcc -O2 bench/row_insert_floor.c -lsqlite3 -o /tmp/row_insert_floor
 *   /tmp/row_insert_floor IMPORTED.db /tmp/floor
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static const char *tables[] = {"agent_state_interval", "queue_visit", "queue_log_call", "queue_log_agent_span",
                               "queue_log_ring_no_answer", "journal_block"};
enum { tableCount = sizeof tables / sizeof tables[0] };

static double cpu(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static void check(sqlite3 *db, int rc, const char *what) {
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void exec(sqlite3 *db, const char *sql) { check(db, sqlite3_exec(db, sql, 0, 0, 0), sql); }

/* A new database at `path` with IMPORTED's schema (but the deferred index), IMPORTED attached as `src`. */
static sqlite3 *fresh(const char *path, const char *imported) {
    char sql[4096];
    const char *suffixes[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(sql, sizeof sql, "%s%s", path, suffixes[i]);
        remove(sql);
    }
    sqlite3 *db;
    check(db, sqlite3_open(path, &db), path);
    exec(db, "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -65536");
    snprintf(sql, sizeof sql, "ATTACH '%s' AS src", imported);
    exec(db, sql);
    sqlite3_stmt *schema;
    check(db, sqlite3_prepare_v2(db, "SELECT sql FROM src.sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' "
                                     "AND name <> 'queue_visit_caller_number' ORDER BY type = 'index', rowid", -1, &schema, 0), "schema");
    while (sqlite3_step(schema) == SQLITE_ROW) exec(db, (const char *)sqlite3_column_text(schema, 0));
    sqlite3_finalize(schema);
    return db;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql) {
    sqlite3_stmt *statement;
    check(db, sqlite3_prepare_v2(db, sql, -1, &statement, 0), sql);
    return statement;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s IMPORTED.db SCRATCH (SCRATCH.db is overwritten)\n", argv[0]);
        return 2;
    }
    char path[4096], sql[4096];
    snprintf(path, sizeof path, "%s.db", argv[2]);
    long long rows = 0;

    sqlite3 *db = fresh(path, argv[1]);
    double start = cpu();
    for (int t = 0; t < tableCount; t++) {
        snprintf(sql, sizeof sql, "SELECT * FROM src.%s ORDER BY rowid", tables[t]);
        sqlite3_stmt *read = prepare(db, sql);
        while (sqlite3_step(read) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(read); c++) (void)sqlite3_column_value(read, c);
            rows++;
        }
        sqlite3_finalize(read);
    }
    double readCPU = cpu() - start;
    printf("read:    %.2f s CPU, %.2f us a row (%lld rows)\n", readCPU, readCPU / rows * 1e6, rows);

    start = cpu();
    exec(db, "BEGIN");
    long long sinceCommit = 0;
    for (int t = 0; t < tableCount; t++) {
        snprintf(sql, sizeof sql, "SELECT * FROM src.%s ORDER BY rowid", tables[t]);
        sqlite3_stmt *read = prepare(db, sql);
        int columns = sqlite3_column_count(read);
        int length = snprintf(sql, sizeof sql, "INSERT INTO main.%s VALUES (", tables[t]);
        for (int c = 0; c < columns; c++) length += snprintf(sql + length, sizeof sql - length, c ? ", ?" : "?");
        snprintf(sql + length, sizeof sql - length, ")");
        sqlite3_stmt *insert = prepare(db, sql);
        while (sqlite3_step(read) == SQLITE_ROW) {
            for (int c = 0; c < columns; c++) sqlite3_bind_value(insert, c + 1, sqlite3_column_value(read, c));
            check(db, sqlite3_step(insert), "insert");
            sqlite3_reset(insert);
            if (++sinceCommit == 50000) {
                exec(db, "COMMIT; BEGIN");
                sinceCommit = 0;
            }
        }
        sqlite3_finalize(insert);
        sqlite3_finalize(read);
    }
    exec(db, "COMMIT");
    double rowwiseCPU = cpu() - start;
    printf("rowwise: %.2f s CPU, %.2f us a row; less the read: %.2f s, %.2f us\n", rowwiseCPU, rowwiseCPU / rows * 1e6,
           rowwiseCPU - readCPU, (rowwiseCPU - readCPU) / rows * 1e6);
    sqlite3_close(db);

    db = fresh(path, argv[1]);
    start = cpu();
    for (int t = 0; t < tableCount; t++) {
        snprintf(sql, sizeof sql, "INSERT INTO main.%s SELECT * FROM src.%s ORDER BY rowid", tables[t], tables[t]);
        exec(db, sql);
    }
    double bulkCPU = cpu() - start;
    printf("bulk:    %.2f s CPU, %.2f us a row; less the read: %.2f s, %.2f us\n", bulkCPU, bulkCPU / rows * 1e6,
           bulkCPU - readCPU, (bulkCPU - readCPU) / rows * 1e6);
    sqlite3_close(db);
    return 0;
}
