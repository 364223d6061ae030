#ifndef TW_TESTS_FUZZ_FUZZ_H
#define TW_TESTS_FUZZ_FUZZ_H

/*
 * libFuzzer's entry point.  Each tests/fuzz/fuzz_NAME.c defines it and
 * includes this header (for -Wmissing-prototypes).  A clang build with
 * -DTW_FUZZ=ON links it with libFuzzer (fuzz_NAME, run over
 * tests/fuzz/corpus/NAME/); every other build links it with replay.c, whose
 * main() calls it once per corpus file, so a crash committed to the corpus
 * stays a regression test without clang.
 *
 * The function must return 0 and must not keep state between calls; it
 * calls abort() when a property it checks does not hold.
 */

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
