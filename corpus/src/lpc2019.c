/*
 * lpc2019.c — the 2019 schedule page capture (corpus/lpc2019-schedule.txt).
 *
 * Shape (rules in corpus/README.md, "2019 schedule"):
 *
 *   Linux Plumbers Conference 2019          <- intro: one `event` record
 *   September 9-11, Lisbon, Portugal
 *   <paragraph>
 *       • 10:00 13:30                       <- top-level block (track or MC)
 *         Distribution Kernels MC           <- its name (may be missing)
 *         <description ...>
 *         MC lead(s)[:]                     <- then the names on the next line
 *         Laura Abbott
 *       • 10:00 18:30
 *         LPC Refereed Track
 *         • 10:00                           <- an entry inside a track
 *           Title 45m                       <- title and duration
 *           <abstract ...>
 *   Your browser is out of date!            <- page chrome: ends the schedule
 *
 * There are no day headers: the blocks of one day are listed together,
 * then the next day's start again in the morning.  A top-level block that
 * starts earlier than the one before it opens the next day.
 * Cost: one pass over the lines; memory is one record at a time.
 */
#include "corpus_internal.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#define BULLET "\xe2\x80\xa2"

/* "HH:MM" at s (exactly 5 bytes); minutes since midnight or -1. */
static int hhmm(const char *s, size_t n)
{
    if (n < 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
        !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
    return h < 24 && m < 60 ? h * 60 + m : -1;
}

/* A bullet line "• HH:MM" (times = 1) or "• HH:MM HH:MM" (times = 2);
 * returns the number of times, 0 when the line is something else. */
static int bullet_times(const char *s, size_t n, int *t0, int *t1)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    if (n - i < 3 + 1 + 5 || memcmp(s + i, BULLET, 3) || s[i + 3] != ' ')
        return 0;
    i += 4;
    if ((*t0 = hhmm(s + i, n - i)) < 0)
        return 0;
    i += 5;
    if (i == n)
        return 1;
    if (s[i] != ' ' || (*t1 = hhmm(s + i + 1, n - i - 1)) < 0 || i + 6 != n)
        return 0;
    return 2;
}

/* One "<digits><unit>" token ending at e, preceded by a space; its start
 * in *a.  Returns 0 when there is none. */
static int dur_token(const char *s, size_t e, size_t *a, int *v, char *unit)
{
    if (e < 2 || (s[e - 1] != 'm' && s[e - 1] != 'h'))
        return 0;
    size_t d = e - 1;
    while (d && isdigit((unsigned char)s[d - 1]))
        d--;
    if (d == e - 1 || e - 1 - d > 4 || d == 0 || s[d - 1] != ' ')
        return 0;
    int x = 0;
    for (size_t q = d; q < e - 1; q++)
        x = x * 10 + (s[q] - '0');
    *a = d;
    *v = x;
    *unit = s[e - 1];
    return 1;
}

static size_t rtrim(const char *s, size_t e)
{
    while (e && s[e - 1] == ' ')
        e--;
    return e;
}

/* Strips a trailing duration ("45m", "1h", "1h 30m") from a title line;
 * returns the minutes (0 when there is none) and shortens *n. */
static int strip_duration(const char *s, size_t *n)
{
    size_t e = rtrim(s, *n), a, a2;
    int v, v2;
    char u, u2;
    if (!dur_token(s, e, &a, &v, &u))
        return 0;
    int mins = u == 'h' ? v * 60 : v;
    if (u == 'm' && dur_token(s, rtrim(s, a), &a2, &v2, &u2) && u2 == 'h') {
        mins += v2 * 60;
        a = a2;
    }
    e = rtrim(s, a);
    if (!e)
        return 0; /* the whole line is a duration: keep it as the title */
    *n = e;
    return mins;
}

static const char *const fillers[] = {
    "Break",
    "Lunch",
    "Coffee Break",
    "Coffee break",
    "TAB Elections",
    "To be announced",
    "TBA",
    "TBD",
    "Closing Party",
    "Welcome Reception",
    "Registration",
    "Morning Break",
    "Afternoon Break",
};

static int is_filler(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof fillers / sizeof fillers[0]; i++)
        if (strlen(fillers[i]) == n && !strncasecmp(s, fillers[i], n))
            return 1;
    return 0;
}

/* "MC lead", "MC leads", "MC leads:", "MC Lead(s): names" -> 1 and the
 * rest of the line (the names, maybe empty) in *rest. */
static int leads_line(const char *s, size_t n, const char **rest, size_t *rn)
{
    if (n < 7 || strncasecmp(s, "MC lead", 7))
        return 0;
    size_t i = 7;
    if (i < n && (s[i] == 's' || s[i] == 'S'))
        i++;
    if (i < n && s[i] == ':')
        i++;
    if (i < n && s[i] != ' ')
        return 0;
    while (i < n && s[i] == ' ')
        i++;
    *rest = s + i;
    *rn = n - i;
    return 1;
}

typedef struct block {
    int open, kind_track, has_name, entries;
    int start, end, line_first, line_last;
    int leads_next; /* the next non-blank line holds the lead names */
} block;

typedef struct entry {
    int open, start, duration, line_first, line_last, filler;
} entry;

typedef struct st2019 {
    const char *path;
    const pl_parse_opts *o;
    pl_record_sink sink;
    void *ctx;
    pl_error *err;
    int year;
    int month, day0; /* from "September 9-11"; 0 when unknown */
    int dayno, prev_start;
    pl_recb mc;   /* the MC description being read */
    pl_recb talk; /* the entry being read */
    pl_buf track; /* current track name */
    block b;
    entry e;
} st2019;

/* Writes v as exactly `w` decimal digits (v is clamped into range). */
static void digits(char *out, int v, int w)
{
    for (int i = w - 1; i >= 0; i--) {
        out[i] = (char)('0' + (v < 0 ? 0 : v) % 10);
        v = v < 0 ? 0 : v / 10;
    }
}

static void fmt_hhmm(int mins, char out[6])
{
    digits(out, (mins / 60) % 24, 2);
    out[2] = ':';
    digits(out + 3, mins % 60, 2);
    out[5] = '\0';
}

static void day_string(const st2019 *s, char out[11])
{
    out[0] = '\0';
    if (!s->month || !s->day0)
        return;
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int m = s->month, d = s->day0 + s->dayno, y = s->year;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    while (d > mdays[m - 1] + (m == 2 && leap)) {
        d -= mdays[m - 1] + (m == 2 && leap);
        if (++m > 12) {
            m = 1;
            y++;
        }
    }
    digits(out, y, 4);
    out[4] = '-';
    digits(out + 5, m, 2);
    out[7] = '-';
    digits(out + 8, d, 2);
    out[10] = '\0';
}

static int close_entry(st2019 *s)
{
    entry *e = &s->e;
    if (!e->open)
        return PL_OK;
    e->open = 0;
    if (e->filler || !s->talk.title.n) {
        pl_recb_reset(&s->talk);
        return PL_OK;
    }
    char day[11], start[6];
    day_string(s, day);
    fmt_hhmm(e->start, start);
    pl_recb_track(&s->talk, s->track.p ? s->track.p : "", s->track.n);
    pl_recb_meta m = {s->year, PL_KIND_TALK, day, start, e->duration, e->line_first, e->line_last};
    return pl_recb_emit(&s->talk, &m, s->sink, s->ctx, s->err);
}

static int close_block(st2019 *s)
{
    int rc = close_entry(s);
    block *b = &s->b;
    if (rc || !b->open)
        return rc;
    b->open = 0;
    if (b->entries) { /* a track: its entries were the documents */
        pl_recb_reset(&s->mc);
        return PL_OK;
    }
    pl_recb *r = &s->mc;
    const char *t = r->title.p ? r->title.p : "";
    size_t tn = r->title.n;
    int is_mc = (tn >= 3 && !strcmp(t + tn - 3, " MC")) || r->body.n || r->n_people;
    if (!b->has_name && !r->body.n)
        is_mc = 0; /* nothing at all to index */
    if (!is_mc || (b->has_name && is_filler(t, tn))) {
        pl_recb_reset(r); /* schedule filler: plenary, party */
        return PL_OK;
    }
    if (!b->has_name) {
        if ((rc = pl_recb_infer_title(r)))
            return pl_error_set(s->err, rc, "%s: out of memory", s->path);
        pl_parse_warn(s->o, s->path, b->line_first,
                      "block without a name; title inferred as \"%s\"", r->title.p);
    }
    char day[11], start[6];
    day_string(s, day);
    fmt_hhmm(b->start, start);
    int dur = b->end > b->start ? b->end - b->start : 0;
    pl_recb_meta m = {s->year, PL_KIND_MC, day, start, dur, b->line_first, b->line_last};
    return pl_recb_emit(r, &m, s->sink, s->ctx, s->err);
}

static const char *const months[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

/* "September 9-11" anywhere in the intro gives the first day. */
static void find_dates(st2019 *s, const char *p, size_t n)
{
    for (int m = 0; m < 12 && !s->month; m++) {
        size_t ml = strlen(months[m]);
        for (size_t i = 0; i + ml + 2 <= n; i++) {
            if (memcmp(p + i, months[m], ml) || p[i + ml] != ' ' ||
                !isdigit((unsigned char)p[i + ml + 1]))
                continue;
            int d = 0;
            for (size_t k = i + ml + 1; k < n && isdigit((unsigned char)p[k]) && d < 100; k++)
                d = d * 10 + (p[k] - '0');
            if (d >= 1 && d <= 31) {
                s->month = m + 1;
                s->day0 = d;
            }
            break;
        }
    }
}

int pl_parse_lpc2019(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                     pl_record_sink sink, void *ctx, pl_error *err)
{
    st2019 s;
    memset(&s, 0, sizeof s);
    s.path = path;
    s.o = o;
    s.sink = sink;
    s.ctx = ctx;
    s.err = err;
    s.year = 2019;
    s.prev_start = -1;
    int rc = PL_OK, shared = 0;
    pl_recb intro;
    int r1 = pl_recb_init(&s.mc, path, o), r2 = pl_recb_init(&s.talk, path, o),
        r3 = pl_recb_init(&intro, path, o);
    if (r1 || r2 || r3) {
        rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    /* One id space for the whole file. */
    pl_idset_free(s.talk.ids);
    s.talk.ids = s.mc.ids;
    pl_idset_free(intro.ids);
    intro.ids = s.mc.ids;
    shared = 1;

    pl_lines L;
    pl_lines_init(&L, p, n);
    const char *ln;
    size_t len;
    int in_schedule = 0, intro_first = 0, intro_last = 0, content_indent = 0;
    int expect_name = 0, expect_title = 0, in_leads = 0;
    while (pl_lines_next(&L, &ln, &len)) {
        int t0 = -1, t1 = -1;
        int bt = bullet_times(ln, len, &t0, &t1);
        size_t ind = pl_line_indent(ln, len);
        size_t skip = 0;
        while (skip < len && (ln[skip] == ' ' || ln[skip] == '\t'))
            skip++;
        const char *tx = ln + skip;
        size_t tn = len - skip;
        int blank = pl_line_blank(ln, len);

        if (!in_schedule) {
            if (bt != 2) {
                if (blank) {
                    pl_recb_body_line(&intro, ln, len);
                    continue;
                }
                if (!intro.title.n) {
                    pl_recb_title(&intro, tx, tn);
                    intro_first = L.no;
                    /* "Linux Plumbers Conference 2019": the year. */
                    if (tn >= 4 && isdigit((unsigned char)tx[tn - 1])) {
                        int y = 0;
                        size_t k = tn;
                        while (k && isdigit((unsigned char)tx[k - 1]))
                            k--;
                        for (size_t q = k; q < tn && y < 10000; q++)
                            y = y * 10 + (tx[q] - '0');
                        if (y >= 1990 && y < 2200)
                            s.year = y;
                    }
                } else {
                    find_dates(&s, tx, tn);
                    pl_recb_body_line(&intro, ln, len);
                }
                intro_last = L.no;
                continue;
            }
            in_schedule = 1;
            if (intro.title.n) {
                pl_recb_meta m = {s.year, PL_KIND_EVENT, NULL, NULL, 0, intro_first, intro_last};
                if ((rc = pl_recb_emit(&intro, &m, sink, ctx, err)))
                    goto done;
            }
        }
        /* Page chrome after the schedule sits at the left margin. */
        if (!blank && bt == 0 && content_indent > 0 && ind == 0) {
            pl_parse_warn(o, path, L.no, "page chrome after the schedule ignored");
            break;
        }
        if (bt == 2 && (int)ind <= (content_indent ? content_indent : 1 << 20)) {
            if ((rc = close_block(&s)))
                goto done;
            if (s.prev_start >= 0 && t0 < s.prev_start)
                s.dayno++;
            s.prev_start = t0;
            memset(&s.b, 0, sizeof s.b);
            s.b.open = 1;
            s.b.start = t0;
            s.b.end = t1;
            s.b.line_first = s.b.line_last = L.no;
            content_indent = (int)ind;
            expect_name = 1;
            expect_title = 0;
            in_leads = 0;
            pl_buf_reset(&s.track);
            continue;
        }
        if (!s.b.open)
            continue;
        if (expect_name) {
            expect_name = 0;
            if (!blank && bt == 0) {
                size_t nn = tn;
                strip_duration(tx, &nn);
                pl_recb_title(&s.mc, tx, nn);
                pl_buf_reset(&s.track);
                pl_buf_put(&s.track, s.mc.title.p ? s.mc.title.p : "", s.mc.title.n);
                s.b.has_name = 1;
                s.b.line_last = L.no;
                continue;
            }
        }
        if (bt == 1) {
            if ((rc = close_entry(&s)))
                goto done;
            s.b.entries++;
            memset(&s.e, 0, sizeof s.e);
            s.e.open = 1;
            s.e.start = t0;
            s.e.line_first = s.e.line_last = L.no;
            expect_title = 1;
            continue;
        }
        if (s.e.open) {
            if (blank) {
                pl_recb_body_line(&s.talk, ln, len);
                continue;
            }
            s.e.line_last = L.no;
            s.b.line_last = L.no;
            if (expect_title) {
                expect_title = 0;
                size_t nn = tn;
                s.e.duration = strip_duration(tx, &nn);
                pl_recb_title(&s.talk, tx, nn);
                s.e.filler = is_filler(s.talk.title.p ? s.talk.title.p : "", s.talk.title.n);
                continue;
            }
            if (tn > 9 && !strncmp(tx, "Speakers:", 9)) {
                pl_recb_people_line(&s.talk, tx + 9, tn - 9);
                continue;
            }
            pl_recb_body_line(&s.talk, ln, len);
            continue;
        }
        /* The description of an MC block. */
        if (blank) {
            pl_recb_body_line(&s.mc, ln, len);
            continue;
        }
        s.b.line_last = L.no;
        const char *rest;
        size_t rn;
        if (leads_line(tx, tn, &rest, &rn)) {
            in_leads = 1;
            if (rn)
                pl_recb_people_line(&s.mc, rest, rn);
            continue;
        }
        if (in_leads) {
            pl_recb_people_line(&s.mc, tx, tn);
            continue;
        }
        pl_recb_body_line(&s.mc, ln, len);
    }
    if (!in_schedule && intro.title.n) {
        pl_recb_meta m = {s.year, PL_KIND_EVENT, NULL, NULL, 0, intro_first, intro_last};
        rc = pl_recb_emit(&intro, &m, sink, ctx, err);
        goto done;
    }
    rc = close_block(&s);
done:
    if (shared) {
        s.talk.ids = NULL;
        intro.ids = NULL;
    }
    pl_recb_free(&s.talk);
    pl_recb_free(&intro);
    pl_recb_free(&s.mc);
    pl_buf_free(&s.track);
    return rc;
}
