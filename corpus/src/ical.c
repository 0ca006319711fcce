/*
 * ical.c — iCalendar (RFC 5545) import: every VEVENT is one record.
 *
 * Two passes.  The first is ours: it unfolds lines (CRLF or LF followed by
 * a space or tab continues the previous line; the bytes are joined before
 * anything is decoded, so a multi-byte UTF-8 character split across a fold
 * comes out whole), remembers the physical line where each logical line
 * began, and checks the BEGIN/END structure.  That gives the line numbers
 * in messages (libical reports none) and rejects what libical would
 * silently repair: content outside VCALENDAR, mismatched or missing END
 * (a truncated download).  The second pass hands each unfolded VCALENDAR
 * to libical, which decodes property values (\n \, \; \\ escapes, TZID
 * parameters, VTIMEZONE definitions, DURATION).
 *
 * Mapping (docs/importing.md):
 *  - UID -> id ("ical-<slug of UID>"), SUMMARY -> title, URL -> url;
 *  - DESCRIPTION -> body; a first line "Speakers: A (Org), B" (what Indico
 *    writes) -> people, removed from the body together with a last
 *    paragraph that only repeats the URL (Indico appends it);
 *  - DTSTART -> year, day, start in the wall-clock time of its TZID; a UTC
 *    ("Z") time is converted to the calendar's X-WR-TIMEZONE when it names
 *    a known zone, otherwise kept in UTC; an all-day DATE has no start;
 *  - DTEND - DTSTART (or DURATION) -> duration in minutes, computed on
 *    absolute times so a DST change inside an event counts correctly;
 *  - CATEGORIES: "Microconference" or "MC" makes the record kind mc; the
 *    first other category is the track (a microconference's track is its
 *    title when no other category names one).  Without categories an
 *    Indico UID "indico-event-..." (a whole-event calendar entry) is kind
 *    event, anything else kind talk.
 *
 * Cost: the unfolded copy is at most the file size; libical builds a tree
 * per VCALENDAR (a few times its size).
 */
#include "importer.h"

#include <libical/ical.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_DEPTH 16

typedef struct span {
    int first, last; /* physical lines of BEGIN:VEVENT and END:VEVENT */
} span;

typedef struct cal {
    size_t off, len; /* the VCALENDAR's bytes in the unfolded buffer */
} cal;

typedef struct scan {
    pl_buf u; /* unfolded text, "\r\n" between logical lines */
    span *ev; /* VEVENTs in file order */
    size_t n_ev, cap_ev;
    cal *cals;
    size_t n_cal, cap_cal;
} scan;

static void scan_free(scan *s)
{
    pl_buf_free(&s->u);
    pl_free(s->ev);
    pl_free(s->cals);
}

static int push_ev(scan *s, int first, int last)
{
    if (s->n_ev == s->cap_ev) {
        size_t nc = s->cap_ev ? s->cap_ev * 2 : 32;
        span *n = pl_realloc(s->ev, nc * sizeof *n);
        if (!n)
            return PL_ENOMEM;
        s->ev = n;
        s->cap_ev = nc;
    }
    s->ev[s->n_ev].first = first;
    s->ev[s->n_ev].last = last;
    s->n_ev++;
    return PL_OK;
}

static int push_cal(scan *s, size_t off, size_t len)
{
    if (s->n_cal == s->cap_cal) {
        size_t nc = s->cap_cal ? s->cap_cal * 2 : 4;
        cal *n = pl_realloc(s->cals, nc * sizeof *n);
        if (!n)
            return PL_ENOMEM;
        s->cals = n;
        s->cap_cal = nc;
    }
    s->cals[s->n_cal].off = off;
    s->cals[s->n_cal].len = len;
    s->n_cal++;
    return PL_OK;
}

/* "BEGIN:" / "END:" name of a logical line, upper-cased into name. */
static int begin_end(const char *l, size_t n, char name[32])
{
    int kind = 0;
    size_t skip = 0;
    if (n >= 6 && strncasecmp(l, "BEGIN:", 6) == 0) {
        kind = 1;
        skip = 6;
    } else if (n >= 4 && strncasecmp(l, "END:", 4) == 0) {
        kind = 2;
        skip = 4;
    } else {
        return 0;
    }
    size_t k = 0;
    for (size_t i = skip; i < n && k < 31; i++) {
        char c = l[i];
        if (c == ' ' || c == '\t')
            continue;
        name[k++] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
    }
    name[k] = '\0';
    return kind;
}

static int unfold_and_check(const char *path, const char *p, size_t n, scan *s, pl_error *err)
{
    const char *end = p + n;
    char stack[MAX_DEPTH][32];
    int stack_line[MAX_DEPTH];
    int depth = 0, phys = 1;
    size_t cal_off = 0;
    pl_buf line = {0};
    int rc = PL_OK;

    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < end) {
        int first = phys;
        pl_buf_reset(&line);
        for (;;) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *e = nl ? nl : end;
            size_t len = (size_t)(e - p);
            if (len && p[len - 1] == '\r')
                len--;
            pl_buf_put(&line, p, len);
            p = nl ? nl + 1 : end;
            phys++;
            if (p < end && (*p == ' ' || *p == '\t'))
                p++; /* a fold: drop the line break and one white space */
            else
                break;
        }
        if (line.oom) {
            rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
            goto fail;
        }
        const char *l = line.p ? line.p : "";
        if (line.n == 0)
            continue;
        char name[32];
        int be = begin_end(l, line.n, name);
        if (depth == 0 && !(be == 1 && strcmp(name, "VCALENDAR") == 0)) {
            rc = pl_error_set(err, PL_EPARSE, "%s:%d: not iCalendar: expected BEGIN:VCALENDAR",
                              path, first);
            goto fail;
        }
        if (depth == 0)
            cal_off = s->u.n;
        if (be == 0 && !memchr(l, ':', line.n)) {
            rc = pl_error_set(err, PL_EPARSE, "%s:%d: not a content line (no ':')", path, first);
            goto fail;
        }
        pl_buf_put(&s->u, l, line.n);
        pl_buf_put(&s->u, "\r\n", 2);
        if (be == 1) {
            if (depth == MAX_DEPTH) {
                rc = pl_error_set(err, PL_EPARSE, "%s:%d: components nested deeper than %d", path,
                                  first, MAX_DEPTH);
                goto fail;
            }
            memcpy(stack[depth], name, sizeof name);
            stack_line[depth] = first;
            depth++;
        } else if (be == 2) {
            if (strcmp(stack[depth - 1], name) != 0) {
                rc =
                    pl_error_set(err, PL_EPARSE, "%s:%d: END:%s does not match BEGIN:%s at line %d",
                                 path, first, name, stack[depth - 1], stack_line[depth - 1]);
                goto fail;
            }
            depth--;
            if (depth == 1 && strcmp(name, "VEVENT") == 0 &&
                push_ev(s, stack_line[depth], first) != PL_OK) {
                rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
                goto fail;
            }
            if (depth == 0 && push_cal(s, cal_off, s->u.n - cal_off) != PL_OK) {
                rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
                goto fail;
            }
        }
    }
    if (s->u.oom) {
        rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    if (depth > 0) {
        rc = pl_error_set(err, PL_EPARSE, "%s:%d: truncated: BEGIN:%s at line %d has no END", path,
                          phys - 1, stack[depth - 1], stack_line[depth - 1]);
        goto fail;
    }
    if (s->n_cal == 0)
        rc = pl_error_set(err, PL_EPARSE, "%s: not iCalendar: no VCALENDAR", path);
fail:
    pl_buf_free(&line);
    return rc;
}

/* "Speakers: Jane Doe (Org, Inc.), John Roe" -> names; commas inside the
 * parentheses do not split. */
static int speakers(pl_imp *im, pl_record *r, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        int par = 0;
        size_t name_end = SIZE_MAX;
        while (j < n && !(s[j] == ',' && par == 0)) {
            if (s[j] == '(') {
                if (par == 0 && name_end == SIZE_MAX)
                    name_end = j;
                par++;
            } else if (s[j] == ')' && par > 0) {
                par--;
            }
            j++;
        }
        size_t e = name_end == SIZE_MAX ? j : name_end;
        const char *name = pl_imp_line(im, s + i, e - i);
        if (!name)
            return PL_ENOMEM;
        if (*name && r->n_people < PL_MAX_PEOPLE)
            r->people[r->n_people++] = name;
        i = j + 1;
    }
    return PL_OK;
}

static int body_and_people(pl_imp *im, pl_record *r, const char *d, const char *url)
{
    if (!d)
        d = "";
    size_t n = strlen(d);
    const char *prefixes[] = {"Speakers:", "Speaker:"};
    for (size_t k = 0; k < 2; k++) {
        size_t pl = strlen(prefixes[k]);
        if (n >= pl && strncmp(d, prefixes[k], pl) == 0) {
            const char *nl = memchr(d, '\n', n);
            size_t len = nl ? (size_t)(nl - d) : n;
            if (speakers(im, r, d + pl, len - pl) != PL_OK)
                return PL_ENOMEM;
            d += len;
            n -= len;
            break;
        }
    }
    /* Indico ends the description with a paragraph holding just the URL */
    size_t ul = url ? strlen(url) : 0;
    while (n && (d[n - 1] == '\n' || d[n - 1] == ' ' || d[n - 1] == '\r'))
        n--;
    if (ul && n >= ul && memcmp(d + n - ul, url, ul) == 0 && (n == ul || d[n - ul - 1] == '\n'))
        n -= ul;
    r->body = pl_imp_body(im, d, n);
    return r->body ? PL_OK : PL_ENOMEM;
}

static int is_mc_category(const char *c)
{
    return strcasecmp(c, "Microconference") == 0 || strcasecmp(c, "MC") == 0;
}

/* Walks every CATEGORIES property; libical may or may not have split a
 * comma list into several properties, so split again here. */
static int categories(pl_imp *im, icalcomponent *ev, pl_record *r)
{
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_CATEGORIES_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_CATEGORIES_PROPERTY)) {
        const char *v = icalproperty_get_categories(p);
        while (v && *v) {
            const char *comma = strchr(v, ',');
            size_t len = comma ? (size_t)(comma - v) : strlen(v);
            const char *c = pl_imp_line(im, v, len);
            if (!c)
                return PL_ENOMEM;
            if (is_mc_category(c))
                r->kind = PL_KIND_MC;
            else if (*c && !*r->track)
                r->track = c;
            v = comma ? comma + 1 : NULL;
        }
    }
    return PL_OK;
}

static icaltimezone *calendar_zone(icalcomponent *c)
{
    for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(c, ICAL_X_PROPERTY)) {
        const char *name = icalproperty_get_x_name(p);
        if (name && strcasecmp(name, "X-WR-TIMEZONE") == 0) {
            const char *v = icalproperty_get_x(p);
            return v ? icaltimezone_get_builtin_timezone(v) : NULL;
        }
    }
    return NULL;
}

static void times(icalcomponent *ev, icaltimezone *calzone, pl_record *r)
{
    icalproperty *sp = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
    if (!sp)
        return;
    struct icaltimetype t = icalcomponent_get_dtstart(ev);
    if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
        return;
    struct icaltimetype local = t;
    if (icaltime_is_utc(t) && calzone)
        local = icaltime_convert_to_zone(t, calzone);
    /* libical passes some malformed dates through (a month of -9): a date
     * that is not one stays unknown rather than becoming "2024--9-19". */
    if (local.year < 1900 || local.year > 2200 || local.month < 1 || local.month > 12 ||
        local.day < 1 || local.day > 31)
        return;
    r->year = local.year;
    snprintf(r->day, sizeof r->day, "%04d-%02d-%02d", local.year, local.month, local.day);
    if (icaltime_is_date(t) || local.hour < 0 || local.hour > 23 || local.minute < 0 ||
        local.minute > 59)
        return;
    snprintf(r->start, sizeof r->start, "%02d:%02d", local.hour, local.minute);

    long secs = 0;
    icalproperty *dp = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
    icalproperty *ep = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
    if (dp) {
        secs = (long)icaldurationtype_as_int(icalproperty_get_duration(dp));
    } else if (ep) {
        struct icaltimetype e = icalcomponent_get_dtend(ev);
        if (!icaltime_is_null_time(e) && icaltime_is_valid_time(e))
            secs = (long)(icaltime_as_timet_with_zone(e, e.zone) -
                          icaltime_as_timet_with_zone(t, t.zone));
    }
    if (secs > 0 && secs < 100000L * 60)
        r->duration_min = (int)(secs / 60);
}

static int vevent(pl_imp *im, icalcomponent *ev, icaltimezone *calzone, span sp)
{
    pl_record r = {0};
    char what[160];
    r.line_first = sp.first;
    r.line_last = sp.last;
    r.kind = PL_KIND_TALK;
    const char *uid = icalcomponent_get_uid(ev);
    const char *summary = icalcomponent_get_summary(ev);
    snprintf(what, sizeof what, "VEVENT %s", uid && *uid ? uid : "(no UID)");
    for (icalproperty *x = icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY); x;
         x = icalcomponent_get_next_property(ev, ICAL_XLICERROR_PROPERTY)) {
        const char *msg = icalproperty_get_xlicerror(x);
        /* an empty DESCRIPTION: or LOCATION: (Indico writes them) loses
         * nothing; libical's note about dropping it is not worth a warning */
        if (msg && strncmp(msg, "No value for ", 13) == 0)
            continue;
        pl_imp_warn(im, sp.first, "%s: %s", what, msg ? msg : "libical error");
    }
    r.title = pl_imp_line(im, summary, summary ? strlen(summary) : 0);
    r.track = "";
    icalproperty *up = icalcomponent_get_first_property(ev, ICAL_URL_PROPERTY);
    const char *url = up ? icalproperty_get_url(up) : NULL;
    r.url = pl_imp_url(im, url, url ? strlen(url) : 0);
    if (!r.title || !r.url || categories(im, ev, &r) != PL_OK ||
        body_and_people(im, &r, icalcomponent_get_description(ev), r.url) != PL_OK)
        return PL_ENOMEM;
    if (r.kind == PL_KIND_MC && !*r.track)
        r.track = r.title;
    else if (r.kind == PL_KIND_TALK && uid && strncmp(uid, "indico-event-", 13) == 0 &&
             !icalcomponent_get_first_property(ev, ICAL_CATEGORIES_PROPERTY))
        r.kind = PL_KIND_EVENT;
    times(ev, calzone, &r);
    return pl_imp_add(im, &r, "ical", uid, what);
}

int pl_parse_ical(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                  pl_record_sink sink, void *ctx, pl_error *err)
{
    scan s = {0};
    pl_imp *im = NULL;
    icalcomponent *root = NULL;
    size_t next_ev = 0;
    path = path ? path : "(input)";
    int rc = unfold_and_check(path, p, n, &s, err);
    if (rc != PL_OK)
        goto fail;
    rc = pl_imp_new(path, o, &im);
    if (rc != PL_OK) {
        rc = pl_error_set(err, rc, "%s: out of memory", path);
        goto fail;
    }
    for (size_t i = 0; i < s.n_cal; i++) {
        /* libical wants a NUL-terminated string: cut the shared buffer in
         * place, the byte after each VCALENDAR is the next one's first */
        char *text = s.u.p + s.cals[i].off;
        char saved = text[s.cals[i].len];
        text[s.cals[i].len] = '\0';
        root = icalparser_parse_string(text);
        text[s.cals[i].len] = saved;
        if (!root || icalcomponent_isa(root) != ICAL_VCALENDAR_COMPONENT) {
            rc = pl_error_set(err, PL_EPARSE, "%s: libical could not parse the VCALENDAR", path);
            goto fail;
        }
        icaltimezone *calzone = calendar_zone(root);
        /* A VEVENT with RECURRENCE-ID is one changed occurrence of a
         * recurring event and shares its UID: the series (the VEVENT
         * without RECURRENCE-ID) is the record, wherever it sits, so
         * occurrences come second and only stand in for a series that is
         * not in the file (the first of them then). */
        size_t first_ev = next_ev;
        for (int pass = 0; pass < 2; pass++) {
            size_t k = first_ev;
            for (icalcomponent *ev = icalcomponent_get_first_component(root, ICAL_VEVENT_COMPONENT);
                 ev; ev = icalcomponent_get_next_component(root, ICAL_VEVENT_COMPONENT), k++) {
                span sp = k < s.n_ev ? s.ev[k] : (span){0, 0};
                int occurrence =
                    icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY) != NULL;
                if (occurrence != pass)
                    continue;
                const char *uid = icalcomponent_get_uid(ev);
                if (occurrence && uid && pl_imp_has(im, "ical", uid))
                    continue;
                if (vevent(im, ev, calzone, sp) != PL_OK) {
                    rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
                    goto fail;
                }
            }
            next_ev = k;
        }
        icalcomponent_free(root);
        root = NULL;
    }
    rc = pl_imp_emit(im, sink, ctx);
fail:
    if (root)
        icalcomponent_free(root);
    pl_imp_free(im);
    scan_free(&s);
    return rc;
}
