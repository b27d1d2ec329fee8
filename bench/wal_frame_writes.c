// What SQLite's two writes per WAL frame cost the kernel, against one write per frame and
// against frames gathered into 1 MiB writes (BENCHMARKS.md, "Collector: end-to-end ingest").
//
//   cc -O2 -o wal_frame_writes bench/wal_frame_writes.c
//   ./wal_frame_writes MODE FRAMES [FILE]    # MODE 0: header and page apart, 1: one write per frame, 2: gathered
//
// Writes FRAMES frames of 4,120 bytes (a 24-byte header and a 4 KiB page) the way a WAL is
// written, wrapping every 65,536 frames (a WAL of 256 MiB restarting), and prints the wall,
// user and system time.
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODE FRAMES [FILE]\n", argv[0]);
        return 2;
    }
    int mode = atoi(argv[1]);
    long frames = atol(argv[2]);
    const char *path = argc > 3 ? argv[3] : "/tmp/wal_frame_writes.wal";
    const long wrap = 65536;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    static char page[4096], header[24], gathered[1 << 20];
    memset(page, 7, sizeof page);
    memset(header, 1, sizeof header);
    long used = 0, start = 0;
    struct timespec begin, end;
    clock_gettime(CLOCK_MONOTONIC, &begin);
    for (long i = 0; i < frames; i++) {
        long offset = 32 + (i % wrap) * 4120;
        if (mode == 0) {
            if (pwrite(fd, header, 24, offset) != 24 || pwrite(fd, page, 4096, offset + 24) != 4096) return 1;
        } else if (mode == 1) {
            memcpy(gathered, header, 24);
            memcpy(gathered + 24, page, 4096);
            if (pwrite(fd, gathered, 4120, offset) != 4120) return 1;
        } else {
            if (used > 0 && (offset != start + used || used + 4120 > (long)sizeof gathered)) {
                if (pwrite(fd, gathered, used, start) != used) return 1;
                used = 0;
            }
            if (used == 0) start = offset;
            memcpy(gathered + used, header, 24);
            memcpy(gathered + used + 24, page, 4096);
            used += 4120;
        }
    }
    if (used > 0 && pwrite(fd, gathered, used, start) != used) return 1;
    clock_gettime(CLOCK_MONOTONIC, &end);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("mode %d: %.2f s wall, user %.2f s, system %.2f s\n", mode,
           (end.tv_sec - begin.tv_sec) + (end.tv_nsec - begin.tv_nsec) / 1e9,
           usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6, usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6);
    close(fd);
    unlink(path);
    return 0;
}
