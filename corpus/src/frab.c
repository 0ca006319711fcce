/*
 * frab.c — frab / pentabarf schedule export, XML (schedule.xml) and JSON
 * (schedule.json).  pl_parse_frab looks at the first non-blank byte: '<'
 * is XML, '{' is JSON.
 *
 * XML: <schedule><conference/><day date=..><room name=..><event id= guid=>
 * with title, subtitle, track, type, date, start, duration (HH:MM),
 * abstract, description, persons/person, url, slug.
 * JSON: schedule.conference.days[].rooms{ "<room>": [event, ...] } with
 * the same event fields (persons[] objects with public_name or name).
 *
 * Every event is a record of kind talk: title, body = subtitle, abstract
 * and description (each reduced from HTML/Markdown to text, blank-line
 * separated, a description identical to the abstract kept once), people =
 * persons, track, url, day from the event's <date> (local time with
 * offset, as frab writes it) or the enclosing day, start, duration.
 * Id: "frab-<guid>", or the numeric id when there is no guid.
 *
 * Security: the XML is read with XML_PARSE_NONET and without
 * XML_PARSE_NOENT / XML_PARSE_DTDLOAD, and a document with a DOCTYPE is
 * refused outright (frab never writes one), so neither external entities
 * (XXE) nor internal entity expansion ("billion laughs") reach the text.
 *
 * Cost: libxml2 / jansson hold the whole document (a few times its size);
 * one walk over it.
 */
#include "importer.h"

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

typedef struct fev {
    const char *guid, *id, *title, *subtitle, *track, *date, *day_date, *start, *duration;
    const char *abstract, *description, *url;
    const char *people[PL_MAX_PEOPLE];
    size_t n_people;
    int line;
} fev;

static int parse_duration(const char *s)
{
    if (!s)
        return 0;
    int h = 0, m = 0, k = 0;
    while (*s >= '0' && *s <= '9' && k < 3) {
        h = h * 10 + (*s++ - '0');
        k++;
    }
    if (k == 0 || *s != ':')
        return 0;
    s++;
    if (!(s[0] >= '0' && s[0] <= '5' && s[1] >= '0' && s[1] <= '9'))
        return 0;
    m = (s[0] - '0') * 10 + (s[1] - '0');
    return h * 60 + m;
}

static int add_part(pl_imp *im, pl_buf *b, const char *s)
{
    if (!s || !*s)
        return PL_OK;
    const char *t = pl_imp_body(im, s, strlen(s));
    if (!t)
        return PL_ENOMEM;
    if (!*t)
        return PL_OK;
    if (b->n)
        pl_buf_put(b, "\n\n", 2);
    pl_buf_puts(b, t);
    return b->oom ? PL_ENOMEM : PL_OK;
}

/* Builds and queues the record of one event; strings of e are borrowed. */
static int emit_event(pl_imp *im, const fev *e)
{
    pl_record r = {0};
    pl_buf body = {0};
    char what[160];
    int rc = PL_ENOMEM;
    const char *sid = e->guid && *e->guid ? e->guid : e->id;
    snprintf(what, sizeof what, "event %s", sid && *sid ? sid : "(no id)");
    r.kind = PL_KIND_TALK;
    r.line_first = r.line_last = e->line;
    r.title = pl_imp_line(im, e->title, e->title ? strlen(e->title) : 0);
    r.track = pl_imp_line(im, e->track, e->track ? strlen(e->track) : 0);
    r.url = pl_imp_url(im, e->url, e->url ? strlen(e->url) : 0);
    if (!r.title || !r.track || !r.url)
        goto done;
    if (add_part(im, &body, e->subtitle) != PL_OK || add_part(im, &body, e->abstract) != PL_OK)
        goto done;
    if (!(e->description && e->abstract && strcmp(e->description, e->abstract) == 0) &&
        add_part(im, &body, e->description) != PL_OK)
        goto done;
    r.body = body.p ? body.p : "";
    for (size_t i = 0; i < e->n_people; i++) {
        const char *name = pl_imp_line(im, e->people[i], strlen(e->people[i]));
        if (!name)
            goto done;
        if (*name)
            r.people[r.n_people++] = name;
    }
    if (!e->date || pl_imp_parse_day(e->date, r.day, &r.year) != 0) {
        r.day[0] = '\0';
        r.year = 0;
        if (e->day_date && pl_imp_parse_day(e->day_date, r.day, &r.year) != 0) {
            r.day[0] = '\0';
            r.year = 0;
        }
    }
    if (pl_imp_parse_hhmm(e->start, r.start) != 0) {
        r.start[0] = '\0';
        /* "2023-11-13T10:00:00+01:00": the local time is after the 'T' */
        if (e->date && strlen(e->date) >= 16 && e->date[10] == 'T' &&
            pl_imp_parse_hhmm(e->date + 11, r.start) != 0)
            r.start[0] = '\0';
    }
    r.duration_min = parse_duration(e->duration);
    rc = pl_imp_add(im, &r, "frab", sid, what);
done:
    pl_buf_free(&body);
    return rc;
}

/* ---- XML ------------------------------------------------------------------ */

static int is_el(xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

/* Text of the first child element called name, copied into the arena. */
static const char *child_text(pl_imp *im, xmlNode *parent, const char *name, int *oom)
{
    for (xmlNode *c = parent->children; c; c = c->next) {
        if (!is_el(c, name))
            continue;
        xmlChar *t = xmlNodeGetContent(c);
        const char *s = pl_imp_strndup(im, t ? (const char *)t : "", t ? strlen((char *)t) : 0);
        xmlFree(t);
        if (!s)
            *oom = 1;
        return s;
    }
    return NULL;
}

static const char *attr(pl_imp *im, xmlNode *n, const char *name, int *oom)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    const char *s = pl_imp_strndup(im, (const char *)v, strlen((char *)v));
    xmlFree(v);
    if (!s)
        *oom = 1;
    return s;
}

static int xml_event(pl_imp *im, xmlNode *ev, const char *day_date)
{
    fev e = {0};
    int oom = 0;
    e.line = (int)xmlGetLineNo(ev);
    e.guid = attr(im, ev, "guid", &oom);
    e.id = attr(im, ev, "id", &oom);
    e.title = child_text(im, ev, "title", &oom);
    e.subtitle = child_text(im, ev, "subtitle", &oom);
    e.track = child_text(im, ev, "track", &oom);
    e.date = child_text(im, ev, "date", &oom);
    e.day_date = day_date;
    e.start = child_text(im, ev, "start", &oom);
    e.duration = child_text(im, ev, "duration", &oom);
    e.abstract = child_text(im, ev, "abstract", &oom);
    e.description = child_text(im, ev, "description", &oom);
    e.url = child_text(im, ev, "url", &oom);
    for (xmlNode *ps = ev->children; ps; ps = ps->next) {
        if (!is_el(ps, "persons"))
            continue;
        for (xmlNode *p = ps->children; p; p = p->next) {
            if (!is_el(p, "person") || e.n_people == PL_MAX_PEOPLE)
                continue;
            xmlChar *t = xmlNodeGetContent(p);
            const char *s = pl_imp_strndup(im, t ? (const char *)t : "", t ? strlen((char *)t) : 0);
            xmlFree(t);
            if (!s)
                oom = 1;
            else
                e.people[e.n_people++] = s;
        }
    }
    if (oom)
        return PL_ENOMEM;
    return emit_event(im, &e);
}

/* Offset of a "<!DOCTYPE" in the prolog (before the root element), or n.
 * Checked before libxml2 sees the document, so entity declarations (a
 * "billion laughs") are never even parsed. */
static size_t prolog_doctype(const char *p, size_t n)
{
    size_t i = n >= 3 && !memcmp(p, "\xef\xbb\xbf", 3) ? 3 : 0;
    for (;;) {
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
            i++;
        if (i + 2 <= n && !memcmp(p + i, "<?", 2)) {
            const char *e = memmem(p + i, n - i, "?>", 2);
            if (!e)
                return n;
            i = (size_t)(e - p) + 2;
        } else if (i + 4 <= n && !memcmp(p + i, "<!--", 4)) {
            const char *e = memmem(p + i, n - i, "-->", 3);
            if (!e)
                return n;
            i = (size_t)(e - p) + 3;
        } else if (i + 9 <= n && !strncasecmp(p + i, "<!DOCTYPE", 9)) {
            return i;
        } else {
            return n;
        }
    }
}

static int parse_xml(pl_imp *im, const char *path, const char *p, size_t n, pl_error *err)
{
    int rc = PL_OK;
    size_t dt = prolog_doctype(p, n);
    if (dt < n) {
        int line = 1;
        for (size_t i = 0; i < dt; i++)
            line += p[i] == '\n';
        return pl_error_set(err, PL_EPARSE,
                            "%s:%d: a DOCTYPE is not accepted in a schedule (entities refused)",
                            path, line);
    }
    xmlDoc *doc = NULL;
    xmlParserCtxt *ctxt = xmlNewParserCtxt();
    if (!ctxt)
        return pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
    if (n > (size_t)INT32_MAX) {
        rc = pl_error_set(err, PL_ELIMIT, "%s: file too large for the XML parser", path);
        goto fail;
    }
    doc = xmlCtxtReadMemory(ctxt, p, (int)n, path, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                XML_PARSE_BIG_LINES);
    if (!doc) {
        xmlError *e = xmlCtxtGetLastError(ctxt);
        char msg[256] = "malformed XML";
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            size_t l = strlen(msg);
            while (l && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
                msg[--l] = '\0';
        }
        rc = pl_error_set(err, PL_EPARSE, "%s:%d: not well-formed XML: %s", path, e ? e->line : 0,
                          msg);
        goto fail;
    }
    if (doc->intSubset || doc->extSubset) {
        rc = pl_error_set(err, PL_EPARSE,
                          "%s: a DOCTYPE is not accepted in a schedule (entities refused)", path);
        goto fail;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!root || !is_el(root, "schedule")) {
        rc = pl_error_set(err, PL_EPARSE, "%s:%d: not a frab schedule: root element is <%s>", path,
                          root ? (int)xmlGetLineNo(root) : 0, root ? (const char *)root->name : "");
        goto fail;
    }
    for (xmlNode *day = root->children; day; day = day->next) {
        if (!is_el(day, "day"))
            continue;
        int oom = 0;
        const char *date = attr(im, day, "date", &oom);
        if (oom) {
            rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
            goto fail;
        }
        for (xmlNode *room = day->children; room; room = room->next) {
            if (!is_el(room, "room"))
                continue;
            for (xmlNode *ev = room->children; ev; ev = ev->next) {
                if (!is_el(ev, "event"))
                    continue;
                if (xml_event(im, ev, date) != PL_OK) {
                    rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
                    goto fail;
                }
            }
        }
    }
fail:
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(ctxt);
    return rc;
}

/* ---- JSON ----------------------------------------------------------------- */

static const char *js(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int json_event(pl_imp *im, json_t *ev, const char *day_date)
{
    fev e = {0};
    char idbuf[32];
    e.guid = js(ev, "guid");
    json_t *id = json_object_get(ev, "id");
    if (json_is_integer(id)) {
        snprintf(idbuf, sizeof idbuf, "%lld", (long long)json_integer_value(id));
        e.id = idbuf;
    } else {
        e.id = js(ev, "id");
    }
    e.title = js(ev, "title");
    e.subtitle = js(ev, "subtitle");
    e.track = js(ev, "track");
    e.date = js(ev, "date");
    e.day_date = day_date;
    e.start = js(ev, "start");
    e.duration = js(ev, "duration");
    e.abstract = js(ev, "abstract");
    e.description = js(ev, "description");
    e.url = js(ev, "url");
    json_t *persons = json_object_get(ev, "persons");
    size_t i;
    json_t *p;
    json_array_foreach(persons, i, p)
    {
        const char *name = json_is_string(p) ? json_string_value(p) : NULL;
        if (!name)
            name = js(p, "public_name");
        if (!name)
            name = js(p, "full_public_name");
        if (!name)
            name = js(p, "name");
        if (name && e.n_people < PL_MAX_PEOPLE)
            e.people[e.n_people++] = name;
    }
    return emit_event(im, &e);
}

static int parse_json(pl_imp *im, const char *path, const char *p, size_t n, pl_error *err)
{
    json_error_t je;
    int rc = PL_OK;
    json_t *root = json_loadb(p, n, 0, &je);
    if (!root)
        return pl_error_set(err, PL_EPARSE, "%s:%d: not valid JSON: %s", path, je.line, je.text);
    json_t *conf = json_object_get(json_object_get(root, "schedule"), "conference");
    json_t *days = json_object_get(conf, "days");
    if (!json_is_array(days)) {
        rc = pl_error_set(err, PL_EPARSE,
                          "%s: not a frab schedule: no schedule.conference.days array", path);
        goto fail;
    }
    size_t i;
    json_t *day;
    json_array_foreach(days, i, day)
    {
        json_t *rooms = json_object_get(day, "rooms");
        /* a day without rooms: tools written in PHP encode the empty map
         * as [] */
        if (json_is_array(rooms) && json_array_size(rooms) == 0)
            continue;
        if (!json_is_object(rooms)) {
            rc = pl_error_set(err, PL_EPARSE, "%s: schedule.conference.days[%zu]: no rooms object",
                              path, i);
            goto fail;
        }
        const char *date = js(day, "date");
        const char *room;
        json_t *evs;
        json_object_foreach(rooms, room, evs)
        {
            if (!json_is_array(evs)) {
                rc = pl_error_set(err, PL_EPARSE,
                                  "%s: schedule.conference.days[%zu].rooms.%s: not an array", path,
                                  i, room);
                goto fail;
            }
            size_t j;
            json_t *ev;
            json_array_foreach(evs, j, ev)
            {
                if (!json_is_object(ev)) {
                    rc = pl_error_set(err, PL_EPARSE,
                                      "%s: schedule.conference.days[%zu].rooms.%s[%zu]: not "
                                      "an object",
                                      path, i, room, j);
                    goto fail;
                }
                if (json_event(im, ev, date) != PL_OK) {
                    rc = pl_error_set(err, PL_ENOMEM, "%s: out of memory", path);
                    goto fail;
                }
            }
        }
    }
fail:
    json_decref(root);
    return rc;
}

int pl_parse_frab(const char *path, const char *p, size_t n, const pl_parse_opts *o,
                  pl_record_sink sink, void *ctx, pl_error *err)
{
    pl_imp *im = NULL;
    path = path ? path : "(input)";
    int rc = pl_imp_new(path, o, &im);
    if (rc != PL_OK)
        return pl_error_set(err, rc, "%s: out of memory", path);
    size_t bom = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0, i = bom;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
        i++;
    if (i < n && p[i] == '<')
        rc = parse_xml(im, path, p, n, err);
    else if (i < n && p[i] == '{') /* a BOM is no part of the JSON */
        rc = parse_json(im, path, p + bom, n - bom, err);
    else
        rc = pl_error_set(err, PL_EPARSE, "%s: not a frab schedule (neither XML nor JSON)", path);
    if (rc == PL_OK)
        rc = pl_imp_emit(im, sink, ctx);
    pl_imp_free(im);
    return rc;
}
