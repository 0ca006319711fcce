/*
 * fuzz_record_json.c — pl_record_from_json, the decoder of stored records
 * (every search hit goes through it), on arbitrary bytes.  A record it
 * accepts must encode back to JSON that decodes to the same record.
 */
#include "fuzz.h"

#include "../../corpus/src/record.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pl_error err = {0};
    pl_record_owned *o = NULL;
    int rc = pl_record_from_json((const char *)data, size, &o, &err);
    if (rc != PL_OK) {
        FUZZ_CHECK(o == NULL && err.msg[0]);
        return 0;
    }
    FUZZ_CHECK(o && o->rec.title && o->rec.body && o->rec.id);
    pl_buf a = {0}, b = {0};
    pl_record_owned *o2 = NULL;
    FUZZ_CHECK(pl_record_to_json(&a, &o->rec, &err) == PL_OK);
    if (pl_record_from_json(a.p, a.n, &o2, &err) != PL_OK) {
        fprintf(stderr, "re-encoded record does not decode (%s): %s\n", err.msg, a.p);
        abort();
    }
    FUZZ_CHECK(pl_record_to_json(&b, &o2->rec, &err) == PL_OK);
    if (a.n != b.n || memcmp(a.p, b.p, a.n)) {
        fprintf(stderr, "round trip differs:\n%s\n%s\n", a.p, b.p);
        abort();
    }
    pl_record_owned_free(o);
    pl_record_owned_free(o2);
    pl_buf_free(&a);
    pl_buf_free(&b);
    return 0;
}
