/*
 * indico.c — Indico JSON exports: the timetable export
 * (/export/timetable/<event>.json) and the event export
 * (/export/event/<event>.json?detail=contributions).  One entry point,
 * pl_parse_indico, tells them apart by the shape of "results": an object
 * keyed by event id is a timetable, an array of events is an event export.
 *
 * Mapping (docs/importing.md has the full table):
 *  - timetable Session entry (one per session block) -> one record of kind
 *    mc per sessionId: title = session title, body = description (HTML
 *    reduced to text), people = conveners, day/start = the earliest block,
 *    duration = the sum of the blocks;
 *  - Contribution entry (top level or nested in a session's "entries") ->
 *    kind talk, track = the enclosing session's title;
 *  - Break entries are skipped silently.
 *  - event export contributions[] -> kind talk, track = "session", else
 *    "track".
 * Ids: "<event id>-c<contribution db id>" for contributions in both exports,
 * so a timetable and an event export of the same event name the same talk
 * with the same id and re-importing either replaces rather than duplicates;
 * "<event id>-s<session id>" for sessions.
 *
 * Times are kept as Indico gives them (the event's own time zone, which is
 * what both exports use by default).  jansson gives no line numbers for
 * values, so warnings name the entry by its JSON path instead.
 *
 * Cost: the whole document is held by jansson (a few times the file size);
 * sessions are merged with a linear scan, O(sessions^2), and an event has
 * tens of sessions.
 */
#include "importer.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

typedef struct session {
    char sid[64];
    const char *title, *body;
    const char *people[PL_MAX_PEOPLE];
    size_t n_people;
    char day[11], start[6];
    int year, duration;
    const char *url;
} session;

typedef struct ictx {
    pl_imp *im;
    pl_error *err;
    const char *path;
    char event_id[64];
    session *sessions;
    size_t n_sessions, cap_sessions;
} ictx;

static const char *jstr(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *jline(ictx *c, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return pl_imp_line(c->im, "", 0);
    return pl_imp_line(c->im, json_string_value(v), json_string_length(v));
}

static const char *jurl(ictx *c, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return pl_imp_url(c->im, "", 0);
    return pl_imp_url(c->im, json_string_value(v), json_string_length(v));
}

static const char *jbody(ictx *c, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!json_is_string(v))
        return pl_imp_body(c->im, "", 0);
    return pl_imp_body(c->im, json_string_value(v), json_string_length(v));
}

/* Ids are strings or integers depending on the Indico version. */
static int jid(json_t *obj, const char *key, char *out, size_t n)
{
    json_t *v = json_object_get(obj, key);
    out[0] = '\0';
    if (json_is_integer(v))
        snprintf(out, n, "%lld", (long long)json_integer_value(v));
    else if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < n)
        snprintf(out, n, "%s", json_string_value(v));
    return out[0] ? 0 : -1;
}

static int jint(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (json_is_integer(v) && json_integer_value(v) > 0 && json_integer_value(v) < 100000)
        return (int)json_integer_value(v);
    if (json_is_real(v) && json_real_value(v) > 0 && json_real_value(v) < 100000)
        return (int)json_real_value(v);
    return 0;
}

/* startDate {date, time, tz}; either part may be missing. */
static void jdate(json_t *obj, pl_record *r)
{
    json_t *sd = json_object_get(obj, "startDate");
    if (!json_is_object(sd))
        return;
    const char *d = jstr(sd, "date"), *t = jstr(sd, "time");
    if (d && pl_imp_parse_day(d, r->day, &r->year) != 0)
        r->day[0] = '\0';
    if (t && pl_imp_parse_hhmm(t, r->start) != 0)
        r->start[0] = '\0';
}

/* Person objects of both exports: timetable firstName/familyName/name,
 * event export first_name/last_name/fullName.  Names only (no e-mail, no
 * affiliation). */
static int add_person(ictx *c, json_t *p, const char **people, size_t *n, const char *what)
{
    if (!json_is_object(p))
        return PL_OK;
    const char *first = jstr(p, "firstName") ? jstr(p, "firstName") : jstr(p, "first_name");
    const char *last = jstr(p, "familyName") ? jstr(p, "familyName") : jstr(p, "last_name");
    const char *name = jstr(p, "name"), *full = jstr(p, "fullName");
    pl_buf b = {0};
    if ((first && *first) || (last && *last)) {
        pl_buf_puts(&b, first ? first : "");
        pl_buf_putc(&b, ' ');
        pl_buf_puts(&b, last ? last : "");
    } else if (name && *name) {
        pl_buf_puts(&b, name);
    } else if (full) {
        /* the event export writes fullName family name first, "Doe, Jane";
         * every other name here is "Jane Doe" */
        const char *comma = strchr(full, ',');
        if (comma && !strchr(comma + 1, ',')) {
            pl_buf_puts(&b, comma + 1);
            pl_buf_putc(&b, ' ');
            pl_buf_put(&b, full, (size_t)(comma - full));
        } else {
            pl_buf_puts(&b, full);
        }
    }
    if (b.oom) {
        pl_buf_free(&b);
        return PL_ENOMEM;
    }
    const char *line = b.n ? pl_imp_line(c->im, b.p, b.n) : "";
    pl_buf_free(&b);
    if (!line)
        return PL_ENOMEM;
    if (!*line)
        return PL_OK;
    for (size_t i = 0; i < *n; i++)
        if (strcmp(people[i], line) == 0)
            return PL_OK;
    if (*n == PL_MAX_PEOPLE) {
        pl_imp_warn(c->im, 0, "%s: more than %d people, \"%s\" dropped", what, PL_MAX_PEOPLE, line);
        return PL_OK;
    }
    people[(*n)++] = line;
    return PL_OK;
}

static int add_people(ictx *c, json_t *arr, const char **people, size_t *n, const char *what)
{
    if (!json_is_array(arr))
        return PL_OK;
    size_t i;
    json_t *p;
    json_array_foreach(arr, i, p)
    {
        int rc = add_person(c, p, people, n, what);
        if (rc != PL_OK)
            return rc;
    }
    return PL_OK;
}

static int oom(ictx *c)
{
    return pl_error_set(c->err, PL_ENOMEM, "%s: out of memory", c->path);
}

/* fallback_year: the event's year, for a contribution not yet scheduled
 * (its day and start stay empty). */
static int contribution(ictx *c, json_t *e, const char *track, const char *where, int event_api,
                        int fallback_year)
{
    pl_record r = {0};
    char what[256], cid[64], sid[160];
    r.kind = PL_KIND_TALK;
    r.title = jline(c, e, "title");
    r.body = jbody(c, e, "description");
    r.url = jurl(c, e, "url");
    r.track = track;
    if (!r.title || !r.body || !r.url || !r.track)
        return oom(c);
    jdate(e, &r);
    if (!r.year)
        r.year = fallback_year;
    r.duration_min = jint(e, "duration");
    if (event_api) {
        if (jid(e, "db_id", cid, sizeof cid) != 0)
            jid(e, "id", cid, sizeof cid);
    } else {
        if (jid(e, "contributionId", cid, sizeof cid) != 0)
            jid(e, "id", cid, sizeof cid);
    }
    snprintf(what, sizeof what, "contribution %s in %s", cid[0] ? cid : "(no id)", where);
    int rc = add_people(c, json_object_get(e, event_api ? "speakers" : "presenters"), r.people,
                        &r.n_people, what);
    if (rc != PL_OK)
        return oom(c);
    snprintf(sid, sizeof sid, "%s-c%s", c->event_id, cid);
    return pl_imp_add(c->im, &r, "indico", cid[0] ? sid : NULL, what) == PL_OK ? PL_OK : oom(c);
}

static int entries(ictx *c, json_t *obj, const char *track, const char *where);

static int session_block(ictx *c, const char *key, json_t *e, const char *where)
{
    pl_record r = {0};
    char what[256], sid[64];
    if (jid(e, "sessionId", sid, sizeof sid) != 0)
        snprintf(sid, sizeof sid, "%s", key);
    snprintf(what, sizeof what, "session %s in %s", sid, where);
    r.title = jline(c, e, "title");
    if (!r.title)
        return oom(c);
    jdate(e, &r);

    session *s = NULL;
    for (size_t i = 0; i < c->n_sessions; i++)
        if (strcmp(c->sessions[i].sid, sid) == 0)
            s = &c->sessions[i];
    if (!s) {
        if (c->n_sessions == c->cap_sessions) {
            size_t nc = c->cap_sessions ? c->cap_sessions * 2 : 16;
            session *ns = pl_realloc(c->sessions, nc * sizeof *ns);
            if (!ns)
                return oom(c);
            c->sessions = ns;
            c->cap_sessions = nc;
        }
        s = &c->sessions[c->n_sessions++];
        memset(s, 0, sizeof *s);
        snprintf(s->sid, sizeof s->sid, "%s", sid);
        s->title = r.title;
        s->body = jbody(c, e, "description");
        s->url = jurl(c, e, "url");
        if (!s->body || !s->url)
            return oom(c);
        memcpy(s->day, r.day, sizeof s->day);
        memcpy(s->start, r.start, sizeof s->start);
        s->year = r.year;
    } else if (r.day[0] && (!s->day[0] || strcmp(r.day, s->day) < 0 ||
                            (strcmp(r.day, s->day) == 0 && strcmp(r.start, s->start) < 0))) {
        memcpy(s->day, r.day, sizeof s->day);
        memcpy(s->start, r.start, sizeof s->start);
        s->year = r.year;
    }
    s->duration += jint(e, "duration");
    if (add_people(c, json_object_get(e, "conveners"), s->people, &s->n_people, what) != PL_OK)
        return oom(c);

    json_t *sub = json_object_get(e, "entries");
    if (sub && !json_is_object(sub) && !json_is_array(sub))
        return pl_error_set(c->err, PL_EPARSE, "%s: %s: \"entries\" is not an object", c->path,
                            what);
    if (json_is_object(sub)) {
        char w[256];
        snprintf(w, sizeof w, "%s.%s.entries", where, key);
        return entries(c, sub, s->title, w);
    }
    return PL_OK;
}

static int entries(ictx *c, json_t *obj, const char *track, const char *where)
{
    const char *key;
    json_t *e;
    json_object_foreach(obj, key, e)
    {
        if (!json_is_object(e))
            return pl_error_set(c->err, PL_EPARSE, "%s: %s.%s: entry is not an object", c->path,
                                where, key);
        const char *type = jstr(e, "entryType");
        int rc = PL_OK;
        if (!type)
            type = "";
        if (strcmp(type, "Contribution") == 0) {
            rc = contribution(c, e, track, where, 0, 0);
        } else if (strcmp(type, "Session") == 0) {
            if (track[0]) { /* Indico does not nest sessions; keep going */
                pl_imp_warn(c->im, 0, "%s.%s: session inside a session, skipped", where, key);
                continue;
            }
            rc = session_block(c, key, e, where);
        } else if (strcmp(type, "Break") == 0) {
            continue;
        } else {
            pl_imp_warn(c->im, 0, "%s.%s: unknown entryType \"%s\", skipped", where, key, type);
        }
        if (rc != PL_OK)
            return rc;
    }
    return PL_OK;
}

static int timetable(ictx *c, json_t *results)
{
    const char *eid;
    json_t *days;
    json_object_foreach(results, eid, days)
    {
        if (!json_is_object(days))
            return pl_error_set(c->err, PL_EPARSE,
                                "%s: results.%s: expected an object of days (timetable export)",
                                c->path, eid);
        snprintf(c->event_id, sizeof c->event_id, "%s", eid);
        c->n_sessions = 0;
        const char *day;
        json_t *ents;
        json_object_foreach(days, day, ents)
        {
            char where[160];
            snprintf(where, sizeof where, "results.%s.%s", eid, day);
            if (!json_is_object(ents))
                return pl_error_set(c->err, PL_EPARSE, "%s: %s: expected an object of entries",
                                    c->path, where);
            int rc = entries(c, ents, "", where);
            if (rc != PL_OK)
                return rc;
        }
        for (size_t i = 0; i < c->n_sessions; i++) {
            session *s = &c->sessions[i];
            pl_record r = {0};
            char what[160], sid[160];
            r.kind = PL_KIND_MC;
            r.title = s->title;
            r.body = s->body;
            r.track = s->title;
            r.url = s->url;
            r.year = s->year;
            memcpy(r.day, s->day, sizeof r.day);
            memcpy(r.start, s->start, sizeof r.start);
            r.duration_min = s->duration;
            memcpy(r.people, s->people, sizeof r.people);
            r.n_people = s->n_people;
            snprintf(what, sizeof what, "session %s of event %s", s->sid, eid);
            snprintf(sid, sizeof sid, "%s-s%s", eid, s->sid);
            if (pl_imp_add(c->im, &r, "indico", sid, what) != PL_OK)
                return oom(c);
        }
    }
    return PL_OK;
}

static int event_export(ictx *c, json_t *results)
{
    size_t i;
    json_t *ev;
    json_array_foreach(results, i, ev)
    {
        if (!json_is_object(ev))
            return pl_error_set(c->err, PL_EPARSE, "%s: results[%zu]: not an event object", c->path,
                                i);
        json_t *contribs = json_object_get(ev, "contributions");
        if (!json_is_array(contribs))
            return pl_error_set(c->err, PL_EPARSE,
                                "%s: results[%zu]: no \"contributions\" array (export the "
                                "event with ?detail=contributions)",
                                c->path, i);
        if (jid(ev, "id", c->event_id, sizeof c->event_id) != 0)
            snprintf(c->event_id, sizeof c->event_id, "0");
        /* an unscheduled contribution still belongs to the event's year */
        pl_record evdate = {0};
        jdate(ev, &evdate);
        size_t j;
        json_t *ct;
        json_array_foreach(contribs, j, ct)
        {
            char where[96];
            snprintf(where, sizeof where, "results[%zu].contributions[%zu]", i, j);
            if (!json_is_object(ct))
                return pl_error_set(c->err, PL_EPARSE, "%s: %s: not an object", c->path, where);
            const char *track = jline(c, ct, "session");
            if (track && !*track)
                track = jline(c, ct, "track");
            if (!track)
                return oom(c);
            int rc = contribution(c, ct, track, where, 1, evdate.year);
            if (rc != PL_OK)
                return rc;
        }
    }
    return PL_OK;
}

int pl_parse_indico(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                    pl_record_sink sink, void *ctx, pl_error *err)
{
    ictx c = {.err = err, .path = path ? path : "(input)"};
    json_error_t je;
    json_t *root = NULL;
    int rc = pl_imp_new(c.path, o, &c.im);
    if (rc != PL_OK) {
        rc = pl_error_set(err, rc, "%s: out of memory", c.path);
        goto fail;
    }
    /* a BOM (an export saved by a Windows editor) is no part of the JSON */
    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
        p += 3;
        n -= 3;
    }
    root = json_loadb(p, n, 0, &je);
    if (!root) {
        rc = pl_error_set(err, PL_EPARSE, "%s:%d: not valid JSON: %s", c.path, je.line, je.text);
        goto fail;
    }
    json_t *results = json_is_object(root) ? json_object_get(root, "results") : NULL;
    if (json_is_object(results)) {
        rc = timetable(&c, results);
    } else if (json_is_array(results)) {
        rc = event_export(&c, results);
    } else {
        rc = pl_error_set(err, PL_EPARSE,
                          "%s: not an Indico export: no \"results\" object (timetable) or "
                          "array (event export)",
                          c.path);
    }
    if (rc != PL_OK)
        goto fail;
    rc = pl_imp_emit(c.im, sink, ctx);
fail:
    json_decref(root);
    pl_free(c.sessions);
    pl_imp_free(c.im);
    return rc;
}
