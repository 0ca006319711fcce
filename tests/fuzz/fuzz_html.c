/*
 * fuzz_html.c — pl_html_to_text (Indico and frab descriptions are HTML).
 * The text it gives must be bounded by a small multiple of the input
 * (an invalid byte becomes U+FFFD, 3 bytes; an entity of at least 3
 * bytes decodes to at most 4).
 */
#include "fuzz.h"

#include "../../corpus/src/record.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pl_buf b = {0};
    int rc = pl_html_to_text(&b, (const char *)data, size);
    FUZZ_CHECK(rc == PL_OK || rc == PL_ENOMEM);
    FUZZ_CHECK(b.n <= 3 * size + 16);
    pl_buf_free(&b);
    return 0;
}
