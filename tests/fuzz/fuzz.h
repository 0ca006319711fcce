/*
 * fuzz.h — what every fuzz target of plumbline shares.
 *
 * A target defines LLVMFuzzerTestOneInput (and, if it needs state built
 * once, LLVMFuzzerInitialize).  The same source is linked two ways:
 * with libFuzzer (-Dfuzz=true, clang) to search for inputs, and with
 * replay.c, a plain main() that runs every file of the seed and regression
 * folders, so `meson test --suite fuzz` replays them under the normal
 * sanitizers without libFuzzer.
 *
 * FUZZ_CHECK states an invariant of the code under test: a violation
 * aborts, which libFuzzer records as a crash like any sanitizer report.
 */
#ifndef PL_FUZZ_H
#define PL_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A scratch directory for targets that need an index on disk, removed at
 * exit.  Returns a static path. */
const char *fuzz_tmpdir(void);

/* Builds an index of the bundled corpus (plus extra JSONL text, may be
 * NULL) under dir; aborts on failure (a target without its index would
 * fuzz nothing). */
void fuzz_build_index(const char *dir, const char *extra_jsonl);

#endif
