/*
 * fuzz_detect.c — pl_format_detect on arbitrary content under a few file
 * names (the first byte picks one), then the text helpers pl_text_clean
 * and pl_html_to_text that every parser uses: outputs stay NUL-terminated
 * and no longer than a small multiple of the input.
 */
#include "fuzz.h"

#include "../../corpus/src/record.h"

#include <string.h>

static const char *const names[] = {"x.txt", "x.jsonl", "x.json", "x.ics", "x.xml", "x", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = size ? names[data[0] % 6] : names[5];
    pl_format f = pl_format_detect(path, (const char *)data, size);
    FUZZ_CHECK((int)f >= PL_FMT_UNKNOWN && (int)f <= PL_FMT_FRAB_JSON);
    FUZZ_CHECK(pl_format_name(f) != NULL);

    pl_buf b = {0};
    FUZZ_CHECK(pl_text_clean(&b, (const char *)data, size) == PL_OK);
    FUZZ_CHECK(b.n <= 4 * size + 16);
    if (b.p)
        FUZZ_CHECK(strlen(b.p) <= b.n);
    pl_buf_free(&b);
    return 0;
}
