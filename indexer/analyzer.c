/*
 * analyzer.c — tokenise, normalise, fold and stem text (see analyzer.h and
 * docs/analysis.md, which is the specification of every rule below).
 *
 * One pass over the input bytes.  Text is cut into *groups*: runs of
 * *pieces* (letter runs and digit runs) that touch each other or are joined
 * by exactly one joiner character (_ - . @, U+2010, U+2011; runs of _ count
 * as one).  A group of one piece is a plain word; a group of k >= 2 pieces
 * is a compound, emitted as its WHOLE (pieces concatenated) at position p
 * followed by its k PARTs at p..p+k-1.
 *
 * Cost: O(n) in the input, no allocation after pl_analyzer_new.  ASCII
 * pieces are folded with a table; only pieces holding bytes >= 0x80 go
 * through utf8proc (NFKC + case fold + mark stripping) into fixed buffers.
 * Stems of short words are remembered in a direct-mapped cache, because
 * Snowball costs more than everything else together and natural text
 * repeats a few thousand words.
 */
#include "analyzer.h"

#include <libstemmer.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

/* Input bytes of one piece handed to utf8proc.  Folded output is cut at
 * PL_MAX_TERM anyway; 4x leaves room for marks that stripping removes. */
#define FOLD_IN_MAX (4 * PL_MAX_TERM)

/* Code points after decomposition: NFKC can expand one code point to 18
 * (U+FDFA), so FOLD_IN_MAX bytes can never need more than this. */
#define UCS_CAP (FOLD_IN_MAX * 18)

/* Stem cache: 16384 slots of words up to 23 bytes (longer words are rare
 * and always stemmed).  1 MiB per analyzer; a smaller cache missed often
 * enough on kernel documentation to leave Snowball a third of the time.
 * 65536 slots cut Snowball from 6 % to 2.7 % of a kdocs-100k build but
 * the total CPU did not move measurably (the larger table misses more),
 * so the analyzer stays at 1 MiB. */
#define STEM_SLOTS 16384
#define STEM_WORD_MAX 23

#define FOLD_OPTS                                                                                  \
    (UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD |                    \
     UTF8PROC_STRIPMARK | UTF8PROC_IGNORE)

enum cls {
    C_SEP = 0, /* separator: space, punctuation, invalid UTF-8, NUL */
    C_ALPHA,   /* letter (or a non-decimal number such as U+2460) */
    C_DIGIT,   /* decimal digit */
    C_MARK,    /* combining mark: continues a piece, never starts one */
    C_JOIN,    /* _ - . @ and the Unicode hyphens: may join pieces */
    C_INNER,   /* apostrophes, soft hyphen, zero-width joiners: dropped
                  inside a letter run */
};

/* Letters only (stemmed, may be a stopword), digits only (a number, NUM,
 * never stemmed), or both (x86, rc1: kept as written). */
enum piece_kind { K_ALPHA = 1, K_DIGIT = 2, K_MIXED = 3 };

typedef struct piece {
    uint32_t start, end; /* input bytes */
    uint8_t kind;
    uint8_t len; /* folded bytes in fold[i] */
} piece;

/* One cache line per slot (50 bytes padded to 64, the array aligned to 64
 * by hand): a lookup is then one miss, not two when a slot straddles
 * lines. */
typedef struct stem_slot {
    uint8_t wlen, slen; /* wlen 0: empty */
    char word[STEM_WORD_MAX + 1];
    char stem[STEM_WORD_MAX + 1];
    char pad[64 - 2 - 2 * (STEM_WORD_MAX + 1)];
} stem_slot;

struct pl_analyzer {
    struct sb_stemmer *stemmer;
    piece pieces[PL_MAX_PARTS];
    char fold[PL_MAX_PARTS][PL_MAX_TERM + 1];
    char whole[PL_MAX_TERM + 1];
    char surface[PL_MAX_TERM + 1];
    char term[PL_MAX_TERM + 1];
    char scratch[FOLD_IN_MAX + 4];
    utf8proc_int32_t ucs[UCS_CAP];
    stem_slot *cache; /* STEM_SLOTS, 64-byte aligned inside cache_mem */
    void *cache_mem;
};

/* ASCII classes; bytes >= 0x80 are decoded and classified by category. */
static const uint8_t ascii_cls[128] = {
    ['0'] = C_DIGIT, ['1'] = C_DIGIT,  ['2'] = C_DIGIT, ['3'] = C_DIGIT, ['4'] = C_DIGIT,
    ['5'] = C_DIGIT, ['6'] = C_DIGIT,  ['7'] = C_DIGIT, ['8'] = C_DIGIT, ['9'] = C_DIGIT,
    ['A'] = C_ALPHA, ['B'] = C_ALPHA,  ['C'] = C_ALPHA, ['D'] = C_ALPHA, ['E'] = C_ALPHA,
    ['F'] = C_ALPHA, ['G'] = C_ALPHA,  ['H'] = C_ALPHA, ['I'] = C_ALPHA, ['J'] = C_ALPHA,
    ['K'] = C_ALPHA, ['L'] = C_ALPHA,  ['M'] = C_ALPHA, ['N'] = C_ALPHA, ['O'] = C_ALPHA,
    ['P'] = C_ALPHA, ['Q'] = C_ALPHA,  ['R'] = C_ALPHA, ['S'] = C_ALPHA, ['T'] = C_ALPHA,
    ['U'] = C_ALPHA, ['V'] = C_ALPHA,  ['W'] = C_ALPHA, ['X'] = C_ALPHA, ['Y'] = C_ALPHA,
    ['Z'] = C_ALPHA, ['a'] = C_ALPHA,  ['b'] = C_ALPHA, ['c'] = C_ALPHA, ['d'] = C_ALPHA,
    ['e'] = C_ALPHA, ['f'] = C_ALPHA,  ['g'] = C_ALPHA, ['h'] = C_ALPHA, ['i'] = C_ALPHA,
    ['j'] = C_ALPHA, ['k'] = C_ALPHA,  ['l'] = C_ALPHA, ['m'] = C_ALPHA, ['n'] = C_ALPHA,
    ['o'] = C_ALPHA, ['p'] = C_ALPHA,  ['q'] = C_ALPHA, ['r'] = C_ALPHA, ['s'] = C_ALPHA,
    ['t'] = C_ALPHA, ['u'] = C_ALPHA,  ['v'] = C_ALPHA, ['w'] = C_ALPHA, ['x'] = C_ALPHA,
    ['y'] = C_ALPHA, ['z'] = C_ALPHA,  ['_'] = C_JOIN,  ['-'] = C_JOIN,  ['.'] = C_JOIN,
    ['@'] = C_JOIN,  ['\''] = C_INNER,
};

static inline char ascii_lower(unsigned char c)
{
    return (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
}

/* Class of the code point at s[i] (i < n); *len receives its byte length
 * (1 for an invalid byte, which is a separator) and *cp the code point. */
static inline int cls_at(const uint8_t *s, size_t i, size_t n, int32_t *cp, size_t *len)
{
    uint8_t c = s[i];
    if (c < 0x80) {
        *cp = c;
        *len = 1;
        return ascii_cls[c];
    }
    utf8proc_int32_t u = -1;
    utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(n - i), &u);
    if (k <= 0 || u < 0) {
        *cp = -1;
        *len = 1;
        return C_SEP;
    }
    *cp = u;
    *len = (size_t)k;
    switch (u) {
    case 0x2010: /* hyphen */
    case 0x2011: /* non-breaking hyphen */ return C_JOIN;
    case 0x2019: /* right single quotation mark, the usual typeset apostrophe */
    case 0x02BC: /* modifier letter apostrophe */
    case 0x00AD: /* soft hyphen */
    case 0x200B: /* zero width space */
    case 0x200C: /* zero width non-joiner */
    case 0x200D: /* zero width joiner */
    case 0x2060: /* word joiner */ return C_INNER;
    default: break;
    }
    switch (utf8proc_category(u)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO: return C_ALPHA;
    case UTF8PROC_CATEGORY_ND: return C_DIGIT;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME: return C_MARK;
    default: return C_SEP;
    }
}

static inline int is_word(int c)
{
    return c == C_ALPHA || c == C_DIGIT || c == C_MARK;
}

/* Length of the longest prefix of s[0..n) that fits cap bytes without
 * cutting a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t n, size_t cap)
{
    if (n <= cap)
        return n;
    size_t k = cap;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--;
    return k;
}

/* NFKC + case fold + strip marks of s[0..n) (valid UTF-8) into out, at most
 * cap bytes, NUL-terminated.  words_only drops every code point that is not
 * a letter, digit or mark (NFKC can produce punctuation, e.g. 1/2 from
 * U+00BD); surfaces of compounds keep their joiners.  Returns the length. */
static size_t fold_utf8(pl_analyzer *a, const char *s, size_t n, char *out, size_t cap,
                        int words_only)
{
    n = utf8_cut(s, n, FOLD_IN_MAX);
    utf8proc_ssize_t len = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
                                              a->ucs, UCS_CAP, FOLD_OPTS);
    if (len < 0 || len > UCS_CAP) {
        out[0] = '\0';
        return 0;
    }
    len = utf8proc_normalize_utf32(a->ucs, len, FOLD_OPTS);
    if (len < 0) {
        out[0] = '\0';
        return 0;
    }
    size_t o = 0;
    for (utf8proc_ssize_t i = 0; i < len; i++) {
        utf8proc_int32_t u = a->ucs[i];
        if (words_only) {
            utf8proc_category_t c = utf8proc_category(u);
            if (!(c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_NO))
                continue; /* categories Lu..No are contiguous: letters, marks, numbers */
        }
        uint8_t buf[4];
        utf8proc_ssize_t k = utf8proc_encode_char(u, buf);
        if (k <= 0 || o + (size_t)k > cap)
            break;
        memcpy(out + o, buf, (size_t)k);
        o += (size_t)k;
    }
    out[o] = '\0';
    return o;
}

/* Folds one piece of input (a letter or digit run, possibly with dropped
 * inner characters) into out (cap PL_MAX_TERM).  hi: holds bytes >= 0x80;
 * inner: holds C_INNER characters to drop. */
static size_t fold_piece(pl_analyzer *a, const char *s, size_t n, int hi, int inner, char *out)
{
    if (inner) {
        /* Copy without the inner characters; bounded by the scratch size. */
        size_t o = 0;
        for (size_t i = 0; i < n && o < FOLD_IN_MAX;) {
            int32_t cp;
            size_t len;
            int c = cls_at((const uint8_t *)s, i, n, &cp, &len);
            if (c != C_INNER) {
                if (o + len > FOLD_IN_MAX)
                    break;
                memcpy(a->scratch + o, s + i, len);
                o += len;
            }
            i += len;
        }
        s = a->scratch;
        n = o;
    }
    if (hi)
        return fold_utf8(a, s, n, out, PL_MAX_TERM, 1);
    if (n > PL_MAX_TERM)
        n = PL_MAX_TERM;
    for (size_t i = 0; i < n; i++)
        out[i] = ascii_lower((unsigned char)s[i]);
    out[n] = '\0';
    return n;
}

/* Folded surface of a whole compound as typed, joiners kept. */
static size_t fold_surface(pl_analyzer *a, const char *s, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return fold_utf8(a, s, n, out, PL_MAX_TERM, 0);
    if (n > PL_MAX_TERM)
        n = PL_MAX_TERM;
    for (size_t i = 0; i < n; i++)
        out[i] = ascii_lower((unsigned char)s[i]);
    out[n] = '\0';
    return n;
}

/* ---- stopwords -----------------------------------------------------------
 * Lucene's classic English set minus "will" (Will Deacon), "no" and "not"
 * (no-op, NOHZ, "not supported"): words that carry no meaning in this
 * archive.  Kept short on purpose; docs/analysis.md lists it. */
static const char stop1[][1] = {{'a'}};
static const char stop2[][2] = {{'a', 'n'}, {'a', 's'}, {'a', 't'}, {'b', 'e'}, {'b', 'y'},
                                {'i', 'f'}, {'i', 'n'}, {'i', 's'}, {'i', 't'}, {'o', 'f'},
                                {'o', 'n'}, {'o', 'r'}, {'t', 'o'}};
static const char stop3[][3] = {{'a', 'n', 'd'}, {'a', 'r', 'e'}, {'b', 'u', 't'},
                                {'f', 'o', 'r'}, {'t', 'h', 'e'}, {'w', 'a', 's'}};
static const char stop4[][4] = {{'i', 'n', 't', 'o'}, {'s', 'u', 'c', 'h'}, {'t', 'h', 'a', 't'},
                                {'t', 'h', 'e', 'n'}, {'t', 'h', 'e', 'y'}, {'t', 'h', 'i', 's'},
                                {'w', 'i', 't', 'h'}};
static const char stop5[][5] = {
    {'t', 'h', 'e', 'i', 'r'}, {'t', 'h', 'e', 'r', 'e'}, {'t', 'h', 'e', 's', 'e'}};

#define STOP_SCAN(tab)                                                                             \
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)                                        \
        if (tab[i][0] == folded[0] && memcmp(tab[i], folded, n) == 0)                              \
            return 1;                                                                              \
    return 0

/* 30 words, by length; costs a handful of byte compares per word. */
int pl_is_stopword(const char *folded, size_t n)
{
    if (!folded)
        return 0;
    switch (n) {
    case 1: STOP_SCAN(stop1);
    case 2: STOP_SCAN(stop2);
    case 3: STOP_SCAN(stop3);
    case 4: STOP_SCAN(stop4);
    case 5: STOP_SCAN(stop5);
    default: return 0;
    }
}

/* ---- stemming ------------------------------------------------------------ */

static int is_vowel(char c)
{
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/* Words used as the singular, without their s, for acronyms with no vowel
 * (most three-letter acronyms ending in s are singular names: KMS, DTS,
 * ZNS, MDS, NFS, DNS, so a rule on their shape would merge them with
 * other words), and iommus (Porter2 keeps the s of every word in -us).
 * Sorted; looked up by binary search. */
static const char *const acronym_plurals[] = {
    "bmcs", "cfps", "cqs", "fds",  "hdds", "iommus", "irqs", "kvms", "lsms", "mcs",  "msrs", "pcrs",
    "pgds", "pmds", "prs", "ptrs", "rqs",  "sbcs",   "sqs",  "ssds", "tlbs", "tpms", "vms",  "wqs",
};

static int cmp_word(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

/* The plural of an acronym: Snowball deletes a final s only after a part
 * holding a vowel that does not stand right before it, and keeps every
 * -us, so "CPUs", "GPUs", "PTEs", "NVMes" (a vowel right before the s) and
 * "VMs", "IRQs" (no vowel) keep it, and `cpu` would not find "CPUs".  A
 * folded word w of n bytes is such a plural when, without its final s, it
 * has at least two consonants and no vowel but its last letter, which is
 * a, e, u or y (cpus, vcpus, ptes, nvmes, dmas, cves, phys); or when it is
 * one of acronym_plurals.  Not plurals: a last vowel o or i (RTOS, CMOS,
 * Chris), `plus` and `thus`.  Returns the length to stem: n - 1 for a
 * plural, else n. */
static size_t acronym_plural(const char *w, size_t n)
{
    if (n < 3 || n > 8 || w[n - 1] != 's' || w[n - 2] == 's')
        return n;
    char key[9];
    memcpy(key, w, n);
    key[n] = '\0';
    if (bsearch(key, acronym_plurals, sizeof acronym_plurals / sizeof acronym_plurals[0],
                sizeof acronym_plurals[0], cmp_word))
        return n - 1;
    char last = w[n - 2];
    if (last != 'a' && last != 'e' && last != 'u' && last != 'y')
        return n;
    size_t consonants = 0;
    for (size_t i = 0; i + 2 < n; i++) {
        char c = w[i];
        if (c < 'a' || c > 'z' || is_vowel(c))
            return n; /* a vowel inside: Snowball's rule applies */
        consonants++;
    }
    if (consonants < 2 || (n == 4 && (!memcmp(w, "plus", 4) || !memcmp(w, "thus", 4))))
        return n;
    return n - 1;
}

static size_t stem_raw(pl_analyzer *a, const char *w, size_t n, char *out, size_t cap)
{
    n = acronym_plural(w, n);
    const sb_symbol *s = sb_stemmer_stem(a->stemmer, (const sb_symbol *)w, (int)n);
    size_t len;
    if (!s) { /* the stemmer could not grow its buffer: keep the word */
        s = (const sb_symbol *)w;
        len = n;
    } else {
        len = (size_t)sb_stemmer_length(a->stemmer);
    }
    len = utf8_cut((const char *)s, len, cap - 1);
    memcpy(out, s, len);
    out[len] = '\0';
    return len;
}

static uint32_t hash_word(const char *w, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)w[i]) * 16777619u;
    return h ^ (h >> 15);
}

/* Stems through the cache; out has room for PL_MAX_TERM + 1 bytes. */
static size_t stem_cached(pl_analyzer *a, const char *w, size_t n, char *out)
{
    if (n > STEM_WORD_MAX)
        return stem_raw(a, w, n, out, PL_MAX_TERM + 1);
    stem_slot *slot = &a->cache[hash_word(w, n) & (STEM_SLOTS - 1)];
    if (slot->wlen == n && memcmp(slot->word, w, n) == 0) {
        memcpy(out, slot->stem, (size_t)slot->slen + 1);
        return slot->slen;
    }
    size_t len = stem_raw(a, w, n, out, PL_MAX_TERM + 1);
    if (len <= STEM_WORD_MAX) {
        slot->wlen = (uint8_t)n;
        memcpy(slot->word, w, n);
        slot->slen = (uint8_t)len;
        memcpy(slot->stem, out, len + 1);
    }
    return len;
}

size_t pl_analyzer_stem(pl_analyzer *a, const char *folded, size_t n, char *out, size_t cap)
{
    if (!a || !out || cap == 0)
        return 0;
    out[0] = '\0';
    if (!folded || n == 0)
        return 0;
    return stem_raw(a, folded, n, out, cap);
}

/* ---- lifecycle ------------------------------------------------------------ */

int pl_analyzer_new(pl_analyzer **out, pl_error *err)
{
    pl_analyzer *a = NULL;
    if (!out)
        return pl_error_set(err, PL_EUSAGE, "analyzer: no output pointer");
    *out = NULL;
    a = pl_calloc(1, sizeof *a);
    if (!a || !(a->cache_mem = pl_calloc(1, STEM_SLOTS * sizeof(stem_slot) + 64))) {
        pl_error_set(err, PL_ENOMEM, "analyzer: out of memory");
        goto fail;
    }
    a->cache = (stem_slot *)(((uintptr_t)a->cache_mem + 63) & ~(uintptr_t)63);
    a->stemmer = sb_stemmer_new("english", NULL);
    if (!a->stemmer) {
        pl_error_set(err, PL_ENOMEM, "analyzer: cannot create the English stemmer");
        goto fail;
    }
    *out = a;
    return PL_OK;
fail:
    pl_analyzer_free(a);
    return err && err->code ? err->code : PL_ENOMEM;
}

void pl_analyzer_free(pl_analyzer *a)
{
    if (!a)
        return;
    if (a->stemmer)
        sb_stemmer_delete(a->stemmer);
    pl_free(a->cache_mem);
    pl_free(a);
}

/* ---- tokenisation ---------------------------------------------------------- */

/* Is s[i..) a version number (digits and inner dots) that ends the word? */
static int is_bare_number(const uint8_t *s, size_t i, size_t n)
{
    size_t k = i;
    while (k < n && ((s[k] >= '0' && s[k] <= '9') ||
                     (s[k] == '.' && k > i && k + 1 < n && s[k + 1] >= '0' && s[k + 1] <= '9')))
        k++;
    if (k == i)
        return 0;
    int32_t cp;
    size_t len;
    return k >= n || !is_word(cls_at(s, k, n, &cp, &len));
}

/* Scans one piece starting at the word character s[i].  Fills *pc and
 * returns the index after it; *apos_s is set when the piece ended in a
 * possessive 's, which is consumed and ends the group.  Letters and digits
 * mix freely inside a piece (x86, ext4, i915, rc1): the query side matches
 * a compound by its WHOLE, so "x86" must be a part of x86_64, not x + 86.
 * One exception: "v" before a bare version (v6.9) is a piece of its own,
 * so that 6.9 finds v6.9. */
static size_t scan_piece(const uint8_t *s, size_t i, size_t n, piece *pc, int *hi, int *inner,
                         int *apos_s)
{
    size_t j = i;
    int alpha = 0, digit = 0, prev_digit = 0;
    *hi = 0;
    *inner = 0;
    *apos_s = 0;
    pc->start = (uint32_t)i;
    if ((s[i] == 'v' || s[i] == 'V') && is_bare_number(s, i + 1, n)) {
        pc->end = (uint32_t)(i + 1);
        pc->kind = K_ALPHA;
        return i + 1;
    }
    while (j < n) {
        uint8_t b = s[j];
        if (b < 0x80) { /* ASCII fast path */
            int c = ascii_cls[b];
            if (c == C_ALPHA) {
                alpha = 1;
                prev_digit = 0;
                j++;
                continue;
            }
            if (c == C_DIGIT) {
                digit = prev_digit = 1;
                j++;
                continue;
            }
            if (b == '.' && prev_digit && j + 1 < n && s[j + 1] >= '0' && s[j + 1] <= '9') {
                j++; /* 6.9, 5.15.0: the dot belongs to the number */
                continue;
            }
        }
        int32_t cp;
        size_t len;
        int c = cls_at(s, j, n, &cp, &len);
        if (c == C_ALPHA || c == C_DIGIT || c == C_MARK) {
            *hi |= b >= 0x80;
            if (c == C_ALPHA)
                alpha = 1, prev_digit = 0;
            else if (c == C_DIGIT)
                digit = prev_digit = 1;
            j += len;
            continue;
        }
        if (c == C_INNER && j + len < n) {
            int32_t cp2;
            size_t len2;
            int c2 = cls_at(s, j + len, n, &cp2, &len2);
            int apostrophe = cp == '\'' || cp == 0x2019 || cp == 0x02BC;
            if (apostrophe && (cp2 == 's' || cp2 == 'S')) {
                size_t k = j + len + 1;
                int32_t cp3;
                size_t len3;
                if (k >= n || !is_word(cls_at(s, k, n, &cp3, &len3))) {
                    *apos_s = 1; /* kernel's -> kernel */
                    pc->end = (uint32_t)j;
                    pc->kind = alpha ? (digit ? K_MIXED : K_ALPHA) : K_DIGIT;
                    return k;
                }
            }
            if (alpha && !prev_digit && c2 == C_ALPHA) {
                *inner = 1; /* don't -> dont */
                *hi |= cp >= 0x80;
                j += len;
                continue;
            }
        }
        break;
    }
    pc->end = (uint32_t)j;
    pc->kind = alpha ? (digit ? K_MIXED : K_ALPHA) : K_DIGIT;
    return j;
}

static int emit(pl_token_cb cb, void *ctx, const char *term, size_t term_len, const char *surface,
                size_t surface_len, uint32_t pos, uint32_t start, uint32_t end, unsigned flags)
{
    pl_token t = {term, term_len, surface, surface_len, pos, start, end, flags};
    return cb(ctx, &t);
}

/* Emits the group of k pieces starting at input byte gstart.  Returns the
 * callback's status. */
static int emit_group(pl_analyzer *a, const char *text, size_t k, uint32_t pos, pl_token_cb cb,
                      void *ctx)
{
    piece *pcs = a->pieces;
    if (k == 1) {
        const char *f = a->fold[0];
        size_t fl = pcs[0].len;
        if (pcs[0].kind == K_DIGIT)
            return emit(cb, ctx, f, fl, f, fl, pos, pcs[0].start, pcs[0].end, PL_TOK_NUM);
        if (pcs[0].kind == K_MIXED)
            return emit(cb, ctx, f, fl, f, fl, pos, pcs[0].start, pcs[0].end, 0);
        unsigned flags = pl_is_stopword(f, fl) ? PL_TOK_STOP : 0;
        size_t tl = stem_cached(a, f, fl, a->term);
        return emit(cb, ctx, a->term, tl, f, fl, pos, pcs[0].start, pcs[0].end, flags);
    }
    size_t wl = 0;
    int all_digits = 1;
    for (size_t i = 0; i < k; i++) {
        size_t add = utf8_cut(a->fold[i], pcs[i].len, PL_MAX_TERM - wl);
        memcpy(a->whole + wl, a->fold[i], add);
        wl += add;
        all_digits &= pcs[i].kind == K_DIGIT;
    }
    a->whole[wl] = '\0';
    uint32_t gs = pcs[0].start, ge = pcs[k - 1].end;
    size_t sl = fold_surface(a, text + gs, ge - gs, a->surface);
    int rc = emit(cb, ctx, a->whole, wl, a->surface, sl, pos, gs, ge,
                  PL_TOK_WHOLE | (all_digits ? PL_TOK_NUM : 0u));
    for (size_t i = 0; i < k && rc == PL_OK; i++) {
        const char *f = a->fold[i];
        size_t fl = pcs[i].len;
        if (pcs[i].kind == K_DIGIT) {
            rc = emit(cb, ctx, f, fl, f, fl, pos + (uint32_t)i, pcs[i].start, pcs[i].end,
                      PL_TOK_PART | PL_TOK_NUM);
        } else if (pcs[i].kind == K_MIXED) {
            rc = emit(cb, ctx, f, fl, f, fl, pos + (uint32_t)i, pcs[i].start, pcs[i].end,
                      PL_TOK_PART);
        } else {
            size_t tl = stem_cached(a, f, fl, a->term);
            rc = emit(cb, ctx, a->term, tl, f, fl, pos + (uint32_t)i, pcs[i].start, pcs[i].end,
                      PL_TOK_PART);
        }
    }
    return rc;
}

/* Is s[i..) a "://" following a URL scheme?  Schemes are not indexed: they
 * say nothing about the talk (docs/analysis.md). */
static int is_scheme(const pl_analyzer *a, const uint8_t *s, size_t i, size_t n, size_t k)
{
    if (k != 1 || i + 3 > n || memcmp(s + i, "://", 3) != 0)
        return 0;
    const char *f = a->fold[0];
    size_t fl = a->pieces[0].len;
    return (fl == 4 && memcmp(f, "http", 4) == 0) || (fl == 5 && memcmp(f, "https", 5) == 0) ||
           (fl == 3 && memcmp(f, "ftp", 3) == 0) || (fl == 3 && memcmp(f, "git", 3) == 0);
}

int pl_analyze(pl_analyzer *a, const char *text, size_t n, uint32_t pos0, pl_token_cb cb, void *ctx,
               uint32_t *next_pos, pl_error *err)
{
    if (next_pos)
        *next_pos = pos0;
    if (!a || !cb || (!text && n > 0))
        return pl_error_set(err, PL_EUSAGE, "analyze: missing analyzer, callback or text");
    if (n > UINT32_MAX)
        return pl_error_set(err, PL_ELIMIT, "analyze: text of %zu bytes exceeds 4 GiB", n);
    const uint8_t *s = (const uint8_t *)text;
    uint32_t pos = pos0;
    size_t i = 0;
    while (i < n) {
        int32_t cp;
        size_t len;
        int c = s[i] < 0x80 ? ascii_cls[s[i]] : cls_at(s, i, n, &cp, &len);
        if (c != C_ALPHA && c != C_DIGIT) {
            i += s[i] < 0x80 ? 1 : len;
            continue;
        }
        size_t k = 0;
        for (;;) {
            piece *pc = &a->pieces[k];
            int hi, inner, apos_s;
            size_t j = scan_piece(s, i, n, pc, &hi, &inner, &apos_s);
            size_t fl = fold_piece(a, text + pc->start, pc->end - pc->start, hi, inner, a->fold[k]);
            pc->len = (uint8_t)fl;
            if (fl > 0)
                k++;
            i = j;
            if (apos_s || k == PL_MAX_PARTS || i >= n)
                break;
            c = cls_at(s, i, n, &cp, &len);
            if (c == C_ALPHA || c == C_DIGIT)
                continue; /* only after the "v" of v6.9 */
            if (c != C_JOIN)
                break;
            size_t j2 = i + len;
            if (cp == '_')
                while (j2 < n && s[j2] == '_')
                    j2++;
            if (j2 >= n)
                break;
            int32_t cp2;
            size_t len2;
            int c2 = cls_at(s, j2, n, &cp2, &len2);
            if (c2 != C_ALPHA && c2 != C_DIGIT)
                break;
            i = j2;
            c = c2;
        }
        if (k == 0)
            continue;
        if (is_scheme(a, s, i, n, k))
            continue;
        if ((uint64_t)pos + k > UINT32_MAX)
            return pl_error_set(err, PL_ELIMIT, "analyze: token positions exceed 2^32");
        int rc = emit_group(a, text, k, pos, cb, ctx);
        if (rc != PL_OK) {
            pl_error_set(err, rc, "analyze: stopped by the token consumer (%s)",
                         pl_status_name(rc));
            return rc;
        }
        pos += (uint32_t)k;
        if (next_pos)
            *next_pos = pos;
    }
    if (next_pos)
        *next_pos = pos;
    return PL_OK;
}

size_t pl_analyzer_fold(pl_analyzer *a, const char *word, size_t n, char *out, size_t cap)
{
    if (!out || cap == 0)
        return 0;
    out[0] = '\0';
    if (!a || !word || n == 0)
        return 0;
    /* Keep letters, digits, marks and joiners; drop inner characters and
     * separators; then fold like a surface.  The result is what a surface
     * of the same text would start with, so it serves prefix matching. */
    size_t o = 0;
    for (size_t i = 0; i < n && o < FOLD_IN_MAX;) {
        int32_t cp;
        size_t len;
        int c = cls_at((const uint8_t *)word, i, n, &cp, &len);
        if ((is_word(c) || c == C_JOIN) && o + len <= FOLD_IN_MAX) {
            memcpy(a->scratch + o, word + i, len);
            o += len;
        }
        i += len;
    }
    char tmp[PL_MAX_TERM + 1];
    size_t fl = fold_surface(a, a->scratch, o, tmp);
    /* Joiners at either end are kept only at the end ("sched_" is a useful
     * prefix); a leading one cannot start a token. */
    size_t b = 0;
    while (b < fl && (tmp[b] == '_' || tmp[b] == '-' || tmp[b] == '.' || tmp[b] == '@'))
        b++;
    size_t len = utf8_cut(tmp + b, fl - b, cap - 1);
    memcpy(out, tmp + b, len);
    out[len] = '\0';
    return len;
}
