/*
 * app.js — the plumbline page: search with facets, a document view, and
 * topic trends drawn as an SVG chart.  Plain browser JavaScript, no build
 * step, no third-party code; it talks only to the same-origin JSON API.
 *
 * Safety rule: archive text (titles, bodies, names, tracks, terms) is only
 * ever inserted with textContent / createTextNode.  Snippets and hit titles
 * are rebuilt from plain text + byte-offset highlights (snippet_text +
 * highlights, title + title_highlights) as text nodes and <mark> elements;
 * the server's HTML snippet is never given to innerHTML.
 *
 * State lives in the URL (view, query, filters, page, document, topics,
 * measure, years) so any view can be bookmarked; history.pushState records
 * navigation and popstate restores it.
 */
(function () {
  'use strict';

  var PAGE_SIZE = 10;
  /* The API refuses an offset above 10000: no page starts beyond it. */
  var MAX_PAGE = Math.floor(10000 / PAGE_SIZE) + 1;
  var DEBOUNCE_MS = 200;
  var MAX_TOPICS = 8;
  var DEFAULT_TOPICS = ['BPF', 'Rust', 'CXL'];
  var HIT_PX = 22;
  var SVG_NS = 'http://www.w3.org/2000/svg';
  var KIND_LABELS = {
    mc: 'Microconference',
    talk: 'Talk',
    cfp: 'Call for papers',
    news: 'News',
    event: 'Event',
  };
  /* Series colours: each at least 4.5:1 against white; dashes tell the
   * series apart without colour. */
  var COLORS = ['#1f5fbf', '#b3261e', '#1b7a3a', '#8a4b00', '#6a3fb5', '#00707a', '#a3127a',
    '#4d4d4d'];
  var DASHES = ['', '7 4', '2 4', '10 4 2 4', '4 2', '12 3', '1 3', '6 2 1 2'];

  var enc = new TextEncoder();
  var dec = new TextDecoder('utf-8');
  var nf = new Intl.NumberFormat('en');

  function $(id) {
    return document.getElementById(id);
  }

  /* ---- DOM helpers (text only) --------------------------------------------- */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    setAttrs(node, attrs);
    appendAll(node, children);
    return node;
  }

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    appendAll(node, children);
    return node;
  }

  function setAttrs(node, attrs) {
    if (!attrs) return;
    Object.keys(attrs).forEach(function (k) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) return;
      if (k === 'text') node.textContent = String(v);
      else if (k === 'className') node.setAttribute('class', v);
      else node.setAttribute(k, v === true ? '' : String(v));
    });
  }

  function appendAll(node, children) {
    if (children === undefined || children === null) return;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (c) {
      if (c === null || c === undefined || c === false) return;
      node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function str(v) {
    return v === null || v === undefined ? '' : String(v);
  }

  function kindLabel(k) {
    return KIND_LABELS[k] || str(k);
  }

  /* ---- snippets and titles ----------------------------------------------------
   * highlights are [start,end) byte offsets into the UTF-8 encoding of
   * the text (snippet_text, or the title for title_highlights).  Offsets
   * are checked, snapped outwards to character boundaries, sorted and
   * merged, so a bad span can neither throw nor split a character.  Cost:
   * one encode of the text (a few hundred bytes). */
  function snippetFragments(text, highlights) {
    var bytes = enc.encode(text);
    var n = bytes.length;
    var spans = [];
    (Array.isArray(highlights) ? highlights : []).forEach(function (h) {
      if (!h) return;
      var s = h.start, e = h.end;
      if (!Number.isInteger(s) || !Number.isInteger(e)) return;
      if (s < 0 || e > n || s >= e) return;
      while (s > 0 && (bytes[s] & 0xc0) === 0x80) s--;
      while (e < n && (bytes[e] & 0xc0) === 0x80) e++;
      spans.push([s, e]);
    });
    spans.sort(function (a, b) {
      return a[0] - b[0];
    });
    var merged = [];
    spans.forEach(function (sp) {
      var last = merged[merged.length - 1];
      if (last && sp[0] <= last[1]) last[1] = Math.max(last[1], sp[1]);
      else merged.push(sp.slice());
    });
    var out = [];
    var pos = 0;
    merged.forEach(function (sp) {
      if (sp[0] > pos) out.push({ text: dec.decode(bytes.subarray(pos, sp[0])), mark: false });
      out.push({ text: dec.decode(bytes.subarray(sp[0], sp[1])), mark: true });
      pos = sp[1];
    });
    if (pos < n) out.push({ text: dec.decode(bytes.subarray(pos)), mark: false });
    return out;
  }

  var ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

  /* Fallback for a snippet that only comes as the server's HTML: the only
   * markup allowed is <mark>; every other byte becomes text (so a stray tag
   * shows as characters); the five named entities and numeric references
   * are decoded. */
  function htmlSnippetFragments(html) {
    var out = [];
    var parts = String(html).split(/(<\/?mark>)/i);
    var inMark = false;
    parts.forEach(function (p) {
      if (/^<mark>$/i.test(p)) inMark = true;
      else if (/^<\/mark>$/i.test(p)) inMark = false;
      else if (p) {
        var t = p.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-f]{1,6});/gi, function (m, name) {
          var lower = name.toLowerCase();
          if (ENTITIES[lower]) return ENTITIES[lower];
          if (lower[0] !== '#') return m;
          var cp = lower[1] === 'x' ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
          return cp > 0 && cp <= 0x10ffff && (cp < 0xd800 || cp > 0xdfff) ? String.fromCodePoint(cp) : '\ufffd';
        });
        out.push({ text: t, mark: inMark });
      }
    });
    return out;
  }

  /* Highlights as {start, end} objects; [start, end] pairs are read too. */
  function normHighlights(list) {
    return (Array.isArray(list) ? list : []).map(function (h) {
      if (Array.isArray(h)) return { start: h[0], end: h[1] };
      return h && typeof h === 'object' ? { start: h.start, end: h.end } : null;
    }).filter(Boolean);
  }

  /* The plain snippet: snippet_text, or `snippet` when the HTML form comes
   * separately as snippet_html. */
  function snippetText(hit) {
    if (typeof hit.snippet_text === 'string') return hit.snippet_text;
    if (typeof hit.snippet_html === 'string' && typeof hit.snippet === 'string') return hit.snippet;
    return null;
  }

  function renderSnippet(node, hit) {
    var frags;
    var text = snippetText(hit);
    var hl = normHighlights(hit.highlights);
    var html = typeof hit.snippet_html === 'string' ? hit.snippet_html :
               text === null && typeof hit.snippet === 'string' ? hit.snippet : null;
    if (text !== null && (hl.length || html === null)) {
      frags = snippetFragments(text, hl);
    } else if (html !== null && /<\/?mark>|&(lt|gt|amp|quot|apos|#39|#x27);/i.test(html)) {
      frags = htmlSnippetFragments(html);
    } else {
      frags = [{ text: text !== null ? text : str(html), mark: false }];
    }
    return appendFragments(node, frags);
  }

  /* Fragments as text nodes and <mark> elements holding text. */
  function appendFragments(node, frags) {
    frags.forEach(function (f) {
      node.appendChild(f.mark ? el('mark', { text: f.text }) : document.createTextNode(f.text));
    });
    return node;
  }

  /* ---- state <-> URL ------------------------------------------------------------ */

  function defaultState() {
    return {
      view: 'search',
      q: '',
      year: '',
      kind: '',
      track: '',
      sort: 'relevance',
      page: 1,
      doc: '',
      topics: DEFAULT_TOPICS.slice(),
      metric: 'share',
      tkind: '',
      from: '',
      to: '',
    };
  }

  function parseURL(search) {
    var p = new URLSearchParams(search);
    var s = defaultState();
    var view = p.get('view');
    if (view === 'trends' || view === 'doc' || view === 'search') s.view = view;
    s.q = p.get('q') || '';
    s.year = p.get('year') || '';
    s.kind = p.get('kind') || '';
    s.track = p.get('track') || '';
    s.sort = p.get('sort') === 'date' ? 'date' : 'relevance';
    var page = parseInt(p.get('page') || '1', 10);
    s.page = Number.isFinite(page) && page >= 1 ? Math.min(page, MAX_PAGE) : 1;
    s.doc = p.get('doc') || '';
    if (s.view === 'doc' && !s.doc) s.view = 'search';
    if (p.has('topic')) {
      s.topics = dedupe(p.getAll('topic').map(function (t) {
        return t.trim();
      }).filter(Boolean)).slice(0, MAX_TOPICS);
    }
    s.metric = p.get('metric') === 'per_1k' ? 'per_1k' : 'share';
    s.tkind = p.get('tkind') || '';
    s.from = /^\d{4}$/.test(p.get('from') || '') ? p.get('from') : '';
    s.to = /^\d{4}$/.test(p.get('to') || '') ? p.get('to') : '';
    return s;
  }

  function dedupe(list) {
    var seen = Object.create(null);
    return list.filter(function (t) {
      var k = t.toLowerCase();
      if (seen[k]) return false;
      seen[k] = true;
      return true;
    });
  }

  function toQuery(s) {
    var p = new URLSearchParams();
    if (s.view !== 'search') p.set('view', s.view);
    if (s.q) p.set('q', s.q);
    if (s.year) p.set('year', s.year);
    if (s.kind) p.set('kind', s.kind);
    if (s.track) p.set('track', s.track);
    if (s.sort !== 'relevance') p.set('sort', s.sort);
    if (s.page > 1) p.set('page', String(s.page));
    if (s.view === 'doc' && s.doc) p.set('doc', s.doc);
    var isDefault = s.topics.length === DEFAULT_TOPICS.length &&
                    s.topics.every(function (t, i) {
                      return t === DEFAULT_TOPICS[i];
                    });
    if (!isDefault) {
      if (s.topics.length === 0) p.append('topic', '');
      s.topics.forEach(function (t) {
        p.append('topic', t);
      });
    }
    if (s.metric !== 'share') p.set('metric', s.metric);
    if (s.tkind) p.set('tkind', s.tkind);
    if (s.from) p.set('from', s.from);
    if (s.to) p.set('to', s.to);
    var qs = p.toString();
    return qs ? '?' + qs : location.pathname;
  }

  function urlFor(changes) {
    return toQuery(Object.assign({}, state, changes));
  }

  var state = parseURL(location.search);
  /* True while the newest history entry was made by typing in the search
   * box: further keystrokes replace it instead of piling up entries. */
  var typingEntry = false;
  /* In-page navigations made since load, so Back inside the page knows
   * whether history.back() stays on this page. */
  var depth = 0;

  /* mode: 'push' | 'replace' | 'none'.  opts.typing marks keystroke entries. */
  function navigate(changes, mode, opts) {
    opts = opts || {};
    var prevView = state.view;
    state = Object.assign({}, state, changes);
    var url = toQuery(state);
    if (mode === 'push' && opts.typing && typingEntry) mode = 'replace';
    if (mode === 'push') {
      history.pushState(null, '', url);
      depth++;
    } else if (mode === 'replace') {
      history.replaceState(history.state, '', url);
    }
    typingEntry = !!opts.typing;
    render();
    if (state.view !== prevView) focusView();
  }

  window.addEventListener('popstate', function () {
    var prevView = state.view;
    depth = Math.max(0, depth - 1);
    typingEntry = false;
    state = parseURL(location.search);
    $('q').value = state.q;
    render();
    if (state.view !== prevView) focusView();
  });

  function focusView() {
    var target = state.view === 'doc' ? $('doc-title') :
                 state.view === 'trends' ? $('trends-heading') : $('q');
    if (target) {
      if (target.tagName === 'H2' && !target.hasAttribute('tabindex')) {
        target.setAttribute('tabindex', '-1');
      }
      target.focus({ preventScroll: false });
    }
  }

  /* ---- fetching ---------------------------------------------------------------- */

  function ApiError(status, code, message) {
    this.status = status;
    this.code = code;
    this.message = message;
  }

  /* One in-flight request per channel: a newer request aborts the older,
   * so a slow answer can never overwrite a newer one. */
  var controllers = Object.create(null);

  function api(channel, path) {
    if (controllers[channel]) controllers[channel].abort();
    var ctl = new AbortController();
    controllers[channel] = ctl;
    return fetch(path, { signal: ctl.signal, headers: { Accept: 'application/json' } })
      .then(function (res) {
        return res.text().then(function (body) {
          var data = null;
          try {
            data = body ? JSON.parse(body) : null;
          } catch (e) {
            data = null;
          }
          if (!res.ok) {
            var err = data && data.error ? data.error : {};
            throw new ApiError(res.status, str(err.code) || 'http_' + res.status,
                               str(err.message) || res.statusText || 'request failed');
          }
          if (data === null) throw new ApiError(res.status, 'bad_json', 'the server sent an unreadable answer');
          setOffline(false);
          return data;
        });
      }, function (e) {
        if (e && e.name === 'AbortError') throw e;
        setOffline(true);
        throw new ApiError(0, 'unreachable', 'The server cannot be reached. Check that plumbline serve is running.');
      })
      .finally(function () {
        if (controllers[channel] === ctl) delete controllers[channel];
      });
  }

  function isAbort(e) {
    return e && e.name === 'AbortError';
  }

  function setOffline(off) {
    var box = $('status');
    if (off) {
      $('status-text').textContent =
        'The server cannot be reached. Check that plumbline serve is running, then retry.';
      box.hidden = false;
    } else {
      box.hidden = true;
    }
  }

  function showError(node, e) {
    if (!e) {
      node.hidden = true;
      clear(node);
      return;
    }
    clear(node);
    var head;
    if (e.status === 400) head = 'This query cannot be run: ';
    else if (e.status === 404) head = 'Not found: ';
    else if (e.status === 0) head = 'Connection problem: ';
    else if (e.status >= 500) head = 'The server failed (' + e.status + '): ';
    else head = 'Error (' + e.status + '): ';
    node.appendChild(el('strong', { text: head }));
    node.appendChild(document.createTextNode(str(e.message)));
    node.hidden = false;
  }

  /* ---- rendering ------------------------------------------------------------------ */

  var loaded = { search: null, doc: null, trends: null, rising: null };

  function render() {
    ['search', 'doc', 'trends'].forEach(function (v) {
      $('view-' + v).hidden = state.view !== v;
    });
    /* The footnote explains the chart's bands and hollow points. */
    $('trends-foot').hidden = state.view !== 'trends';
    ['search', 'trends'].forEach(function (v) {
      var tab = $('tab-' + v);
      var active = state.view === v || (v === 'search' && state.view === 'doc');
      if (active) tab.setAttribute('aria-current', 'page');
      else tab.removeAttribute('aria-current');
      tab.setAttribute('href', urlFor({ view: v, page: v === 'search' ? state.page : state.page }));
    });
    document.title = titleFor();
    if (state.view === 'search') renderSearch();
    else if (state.view === 'doc') renderDoc();
    else renderTrends();
  }

  function titleFor() {
    if (state.view === 'trends') return 'Trends: ' + state.topics.join(', ') + ' — plumbline';
    if (state.view === 'search' && state.q) return state.q + ' — plumbline search';
    return 'plumbline — Linux Plumbers Conference archive';
  }

  /* ---- search ---- */

  var searchTimer = 0;

  function syncSearchForm() {
    var q = $('q');
    /* Never rewrite the box under the user's fingers while typing. */
    if (document.activeElement !== q) q.value = state.q;
    $('sort').value = state.sort;
  }

  function renderSearch() {
    syncSearchForm();
    var key = JSON.stringify([state.q, state.year, state.kind, state.track, state.sort, state.page]);
    if (loaded.search === key) return;
    loaded.search = key;
    var q = state.q.trim();
    if (!q) {
      if (controllers.search) controllers.search.abort();
      showError($('search-error'), null);
      clear($('results'));
      clear($('facet-groups'));
      renderActiveFilters();
      $('did-you-mean').hidden = true;
      $('relaxed-note').hidden = true;
      $('pager').hidden = true;
      setSummary(['Type a word or phrase to search the archive.']);
      showExamples(true);
      return;
    }
    showExamples(false);
    var p = new URLSearchParams();
    p.set('q', q);
    p.set('limit', String(PAGE_SIZE));
    p.set('offset', String((state.page - 1) * PAGE_SIZE));
    p.set('sort', state.sort);
    if (state.year) p.set('year', state.year);
    if (state.kind) p.set('kind', state.kind);
    if (state.track) p.set('track', state.track);
    $('results').setAttribute('aria-busy', 'true');
    var page = state.page;
    api('search', '/api/search?' + p.toString()).then(function (data) {
      $('results').removeAttribute('aria-busy');
      showError($('search-error'), null);
      showResults(data, page);
    }, function (e) {
      if (isAbort(e)) return;
      $('results').removeAttribute('aria-busy');
      loaded.search = null;
      showError($('search-error'), e);
      clear($('results'));
      clear($('facet-groups'));
      renderActiveFilters();
      $('pager').hidden = true;
      $('did-you-mean').hidden = true;
      $('relaxed-note').hidden = true;
      setSummary([]);
    });
  }

  var EXAMPLES = ['BPF', '"live patching"', 'rust -android', 'scheduler', 'CXL OR "memory tiering"'];

  function showExamples(on) {
    var p = $('examples');
    clear(p);
    p.hidden = !on;
    if (!on) return;
    p.appendChild(document.createTextNode('Try: '));
    EXAMPLES.forEach(function (ex, i) {
      if (i) p.appendChild(document.createTextNode(', '));
      p.appendChild(el('a', { href: urlFor({ view: 'search', q: ex, page: 1 }), className: 'example',
                              'data-q': ex, text: ex }));
    });
  }

  /* The summary line from strings and nodes (text only). */
  function setSummary(parts) {
    var box = $('results-summary');
    clear(box);
    appendAll(box, parts);
  }

  /* The query as typed, set apart by weight rather than by quotation marks:
   * a phrase query brings its own quotes, and wrapping it in more showed
   * “"confidential computing"”. */
  function queryEcho() {
    return el('strong', { className: 'query-echo', text: state.q.trim() });
  }

  function showResults(data, page) {
    var total = Number(data.total) || 0;
    var hits = Array.isArray(data.hits) ? data.hits : [];
    var offset = Number(data.offset) || 0;
    var pages = Math.min(MAX_PAGE, Math.max(1, Math.ceil(total / PAGE_SIZE)));
    /* A page past the last one (an old link, a hand-edited URL, an index
     * rebuilt with fewer hits) shows the last page instead of an empty
     * "Page 99 of 2"; the history entry is corrected in place. */
    if (page > pages && state.view === 'search' && state.page === page) {
      navigate({ page: pages }, 'replace');
      return;
    }
    if (total === 0) {
      setSummary(['No results for ', queryEcho(), '.']);
    } else {
      var tail = '';
      if (hits.length) {
        tail += ', showing ' + nf.format(offset + 1) + '–' + nf.format(offset + hits.length);
      }
      if (typeof data.took_ms === 'number') tail += ' (' + data.took_ms.toFixed(1) + ' ms)';
      setSummary([nf.format(total) + (total === 1 ? ' result' : ' results') + ' for ',
        queryEcho(), tail + '.']);
    }

    showRelaxed(data, total);

    var dym = $('did-you-mean');
    if (typeof data.suggestion === 'string' && data.suggestion &&
        data.suggestion !== state.q.trim()) {
      $('dym-button').textContent = data.suggestion;
      dym.hidden = false;
    } else {
      dym.hidden = true;
    }

    var list = $('results');
    clear(list);
    list.setAttribute('start', String(offset + 1));
    hits.forEach(function (h) {
      list.appendChild(hitItem(h, true));
    });

    renderFacets(data.facets || {});

    var pager = $('pager');
    pager.hidden = total <= PAGE_SIZE;
    $('page-info').textContent = 'Page ' + state.page + ' of ' + pages;
    $('prev-page').disabled = state.page <= 1;
    $('next-page').disabled = state.page >= pages;
  }

  /* A relaxed query (docs/query-syntax.md, Default operator) lists
   * documents that miss some of its words: say so above the results, with
   * how many have them all when the API tells (all_words; they come
   * first). */
  function showRelaxed(data, total) {
    var note = $('relaxed-note');
    var all = typeof data.all_words === 'number' ? data.all_words : null;
    if (data.relaxed !== true || total === 0 || (all !== null && all >= total)) {
      note.hidden = true;
      note.textContent = '';
      return;
    }
    if (!all) {
      note.textContent = 'No document has all of the words; showing those with most of them.';
    } else {
      note.textContent = (all === 1 ? 'Only 1 document has' : 'Only ' + nf.format(all) +
        ' documents have') + ' all of the words (listed first); the others have some of them.';
    }
    note.hidden = false;
  }

  /* The hit's title as a link to the document, the query's words in <mark>
   * (title + title_highlights through the snippet's fragment builder, so
   * the title is text whatever it holds). */
  function docLink(h) {
    var a = el('a', { href: urlFor({ view: 'doc', doc: str(h.id) }), className: 'doc-link-a',
                      'data-doc': str(h.id) });
    var title = str(h.title);
    if (!title) a.textContent = '(untitled)';
    else appendFragments(a, snippetFragments(title, normHighlights(h.title_highlights)));
    return a;
  }

  function hitItem(h, full) {
    var li = el('li', { className: 'hit', 'data-id': str(h.id) });
    li.appendChild(el('h3', { className: 'hit-title' }, docLink(h)));
    var meta = el('p', { className: 'hit-meta' });
    if (h.year) meta.appendChild(el('span', { className: 'tag year', text: str(h.year) }));
    if (h.kind) meta.appendChild(el('span', { className: 'tag kind', text: kindLabel(h.kind) }));
    if (h.track) meta.appendChild(el('span', { className: 'tag track', text: str(h.track) }));
    li.appendChild(meta);
    if (full && Array.isArray(h.people) && h.people.length) {
      li.appendChild(el('p', { className: 'hit-people' }, [
        el('span', { className: 'visually-hidden', text: 'People: ' }),
        h.people.map(str).join(', '),
      ]));
    }
    if (h.snippet_text !== undefined || h.snippet !== undefined || h.snippet_html !== undefined) {
      li.appendChild(renderSnippet(el('p', { className: 'snippet' }), h));
    }
    return li;
  }

  function facetEntries(f) {
    if (Array.isArray(f)) {
      return f.map(function (x) {
        return [str(x.value), Number(x.count) || 0];
      });
    }
    if (f && typeof f === 'object') {
      return Object.keys(f).map(function (k) {
        return [k, Number(f[k]) || 0];
      });
    }
    return [];
  }

  var FACETS = [
    { key: 'year', label: 'Year', order: 'value-desc', max: 30 },
    { key: 'kind', label: 'Kind', order: 'count', max: 10 },
    { key: 'track', label: 'Track', order: 'count', max: 15 },
  ];

  function renderFacets(facets) {
    var box = $('facet-groups');
    clear(box);
    FACETS.forEach(function (f) {
      var entries = facetEntries(facets[f.key]);
      var active = state[f.key];
      if (active && !entries.some(function (e) {
        return e[0] === active;
      })) entries.push([active, null]);
      if (!entries.length) return;
      if (f.order === 'value-desc') {
        entries.sort(function (a, b) {
          return a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0;
        });
      } else {
        entries.sort(function (a, b) {
          return (b[1] || 0) - (a[1] || 0) || (a[0] < b[0] ? -1 : 1);
        });
      }
      var shown = entries.slice(0, f.max);
      var headId = 'facet-h-' + f.key;
      var group = el('div', { className: 'facet', role: 'group', 'aria-labelledby': headId });
      group.appendChild(el('h4', { id: headId, text: f.label }));
      var ul = el('ul', { className: 'facet-list' });
      shown.forEach(function (e) {
        var value = e[0];
        var on = active === value;
        var label = f.key === 'kind' ? kindLabel(value) : value || '(none)';
        var btn = el('button', {
          type: 'button',
          className: 'facet-btn',
          'data-facet': f.key,
          'data-value': value,
          'aria-pressed': on ? 'true' : 'false',
        }, [
          el('span', { className: 'facet-label', text: label }),
          e[1] === null ? null : el('span', { className: 'count', text: nf.format(e[1]) }),
        ]);
        if (e[1] !== null) {
          btn.setAttribute('aria-label', label + ', ' + e[1] + (e[1] === 1 ? ' result' : ' results') +
                                         (on ? ', filter on' : ''));
        }
        btn.addEventListener('click', function () {
          var ch = { page: 1 };
          ch[f.key] = on ? '' : value;
          navigate(ch, 'push');
        });
        ul.appendChild(el('li', null, btn));
      });
      group.appendChild(ul);
      box.appendChild(group);
    });
    renderActiveFilters();
  }

  /* "Filter results" with nothing under it (no hits, an error, no query)
   * is noise: the panel shows only when it holds a facet or a filter. */
  function updateFacetPanel() {
    $('facets').hidden = !$('facet-groups').firstChild && !$('active-filters').firstChild;
  }

  function renderActiveFilters() {
    var box = $('active-filters');
    clear(box);
    FACETS.forEach(function (f) {
      var v = state[f.key];
      if (!v) return;
      var label = f.label + ': ' + (f.key === 'kind' ? kindLabel(v) : v);
      var btn = el('button', { type: 'button', className: 'chip-btn active-filter',
                               'aria-label': 'Remove filter ' + label },
                   [el('span', { text: label }), el('span', { 'aria-hidden': 'true', text: ' ×' })]);
      btn.addEventListener('click', function () {
        var ch = { page: 1 };
        ch[f.key] = '';
        navigate(ch, 'push');
        $('q').focus();
      });
      box.appendChild(btn);
    });
    updateFacetPanel();
  }

  /* ---- document ---- */

  function renderDoc() {
    var key = state.doc;
    if (loaded.doc === key) return;
    loaded.doc = key;
    var id = encodeURIComponent(state.doc);
    clear($('doc-meta'));
    clear($('doc-body'));
    clear($('similar'));
    $('doc-title').textContent = 'Loading…';
    $('doc-link').hidden = true;
    api('doc', '/api/docs/' + id).then(function (d) {
      showDoc(d);
    }, function (e) {
      if (isAbort(e)) return;
      loaded.doc = null;
      $('doc-title').textContent = e.status === 404 ? 'Document not found' : 'Could not load the document';
      $('doc-body').appendChild(el('p', { className: 'inline-error', role: 'alert', text: str(e.message) }));
    });
    api('similar', '/api/docs/' + id + '/similar?limit=8').then(function (r) {
      var list = $('similar');
      clear(list);
      var hits = Array.isArray(r.hits) ? r.hits : [];
      if (!hits.length) list.appendChild(el('li', { className: 'empty', text: 'No similar documents.' }));
      hits.forEach(function (h) {
        list.appendChild(hitItem(h, false));
      });
    }, function (e) {
      if (isAbort(e)) return;
      var list = $('similar');
      clear(list);
      list.appendChild(el('li', { className: 'empty', text: 'Similar documents unavailable: ' + str(e.message) }));
    });
  }

  function showDoc(d) {
    $('doc-title').textContent = str(d.title) || '(untitled)';
    document.title = str(d.title) + ' — plumbline';
    var meta = $('doc-meta');
    clear(meta);
    function row(name, value) {
      if (value === '' || value === null || value === undefined || value === 0) return;
      meta.appendChild(el('div', null, [el('dt', { text: name }), el('dd', { text: str(value) })]));
    }
    row('Year', d.year);
    row('Kind', kindLabel(d.kind));
    row('Track', d.track);
    var when = [str(d.day), str(d.start)].filter(Boolean).join(' ');
    row('When', when);
    if (d.duration_min) row('Duration', d.duration_min + ' min');
    if (Array.isArray(d.people) && d.people.length) row('People', d.people.map(str).join(', '));
    row('Source', d.source);
    var body = $('doc-body');
    clear(body);
    var text = str(d.body).trim();
    if (!text) body.appendChild(el('p', { className: 'empty', text: 'This record has no description.' }));
    text.split(/\n\s*\n/).forEach(function (para) {
      if (para.trim()) body.appendChild(el('p', { text: para }));
    });
    var link = $('doc-link');
    clear(link);
    if (/^https?:\/\//i.test(str(d.url))) {
      link.appendChild(el('a', { href: d.url, rel: 'noopener noreferrer', text: 'Original page' }));
      link.hidden = false;
    }
  }

  /* ---- trends ---- */

  var trendData = null;
  var selectedPoint = null; /* {si, year} */
  /* /api/stats, loaded once: the years the archive holds and the kinds of
   * each, so the From / To selects never wait for a trends answer. */
  var stats = null;
  var statsLoad = null;
  /* Brings the pointed-at / focused / selected topic forward; set by drawChart. */
  var emphasise = null;
  /* Topics are added one after another, each checked by the API first. */
  var topicQueue = Promise.resolve();
  var compareSeq = 0;
  /* Up to this many topics every band is drawn (lightly, with its edges);
   * above it a band shows only for the topic pointed at, focused or selected. */
  var BANDS_ALL_MAX = 3;
  /* The narrowest x slot (a year, or a run of years missing from the
   * archive); a chart that needs more than its box scrolls sideways. */
  var MIN_SLOT_PX = 44;
  var KIND_PLURAL = {
    mc: 'microconferences',
    talk: 'talks',
    cfp: 'calls for papers',
    news: 'news items',
    event: 'events',
  };
  var KIND_ONE = { mc: 'microconference', talk: 'talk', cfp: 'call for papers', news: 'news item', event: 'event' };

  function kindCount(n, k) {
    return nf.format(n) + ' ' + (n === 1 ? KIND_ONE[k] || k : KIND_PLURAL[k] || k);
  }

  /* What the kind filter lets through, for messages ("no microconferences"). */
  function kindWhat() {
    return state.tkind ? KIND_PLURAL[state.tkind] || 'documents of this kind' : 'documents';
  }

  function renderTrends() {
    renderChips();
    document.querySelectorAll('input[name=metric]').forEach(function (r) {
      r.checked = r.value === state.metric;
    });
    $('trend-kind').value = state.tkind;
    var key = JSON.stringify([state.topics, state.tkind]);
    if (loaded.trends !== key) {
      loaded.trends = key;
      selectedPoint = null;
      $('point-talks').hidden = true;
      if (!state.topics.length) {
        trendData = null;
        showError($('trends-error'), null);
        showNotices();
        drawChart();
      } else {
        loadTrends(key);
      }
    } else {
      drawChart();
    }
    renderRising();
  }

  function trendsPath(topics, kind, top) {
    var p = new URLSearchParams();
    topics.forEach(function (t) {
      p.append('topic', t);
    });
    if (kind) p.set('kind', kind);
    if (top !== undefined) p.set('top', String(top));
    return '/api/trends?' + p.toString();
  }

  function loadTrends(key) {
    $('chart').setAttribute('aria-busy', 'true');
    api('trends', trendsPath(state.topics, state.tkind)).then(function (data) {
      $('chart').removeAttribute('aria-busy');
      showError($('trends-error'), null);
      trendData = data;
      showNotices();
      drawChart();
    }, function (e) {
      if (isAbort(e)) return;
      /* A bad topic from a link or an old bookmark must not blank the
       * others: find it by asking for each topic alone, and leave it out. */
      if (e.status === 400) dropBadTopics(e, key);
      else trendsFailed(e);
    });
  }

  function trendsFailed(e) {
    $('chart').removeAttribute('aria-busy');
    loaded.trends = null;
    trendData = null;
    showError($('trends-error'), e);
    showNotices();
    drawChart();
  }

  /* The topic alone, as the chart would ask for it (no documents listed).
   * A refusal's message loses the API's 'topic "…": ' prefix, which would
   * wrap a topic holding a quote in more quotes. */
  function checkTopic(t, channel) {
    return api(channel, trendsPath([t], '', 0)).catch(function (e) {
      var pre = 'topic "' + t + '": ';
      if (e && e.status === 400 && str(e.message).indexOf(pre) === 0) e.message = e.message.slice(pre.length);
      throw e;
    });
  }

  function dropBadTopics(err, key) {
    var topics = state.topics.slice();
    Promise.all(topics.map(function (t, i) {
      return checkTopic(t, 'topic-check-' + i).then(function () {
        return null;
      }, function (e) {
        if (isAbort(e)) throw e;
        return e.status === 400 ? { topic: t, message: str(e.message) } : null;
      });
    })).then(function (bad) {
      if (loaded.trends !== key) return;
      bad = bad.filter(Boolean);
      if (!bad.length) {
        trendsFailed(err);
        return;
      }
      var parts = [el('strong', { text: 'Left out of the chart: ' })];
      bad.forEach(function (b, i) {
        if (i) parts.push('; ');
        parts.push(el('code', { text: b.topic }), ' — ' + b.message);
      });
      topicMessage('error', parts);
      loaded.trends = null;
      navigate({ topics: topics.filter(function (t) {
        return !bad.some(function (b) {
          return b.topic === t;
        });
      }) }, 'replace');
    }, function (e) {
      if (!isAbort(e) && loaded.trends === key) trendsFailed(err);
    });
  }

  /* The line under the topic box: a refused topic, "already shown". */
  function topicMessage(kind, parts) {
    var box = $('topic-msg');
    clear(box);
    if (!kind) {
      box.hidden = true;
      return;
    }
    box.className = 'topic-msg ' + (kind === 'error' ? 'inline-error' : 'inline-note');
    appendAll(box, parts);
    box.hidden = false;
  }

  /* Notes on an answer that are not errors: a topic that matches nothing
   * (under the kind filter), and the API's meta.warnings. */
  function showNotices() {
    var box = $('trends-notice');
    clear(box);
    var meta = trendData && trendData.meta;
    var warnings = meta && Array.isArray(meta.warnings) ? meta.warnings.map(str).filter(Boolean) : [];
    var notes = [];
    (trendData && Array.isArray(trendData.series) ? trendData.series : []).forEach(function (s, si) {
      if (!matchesNothing(s)) return;
      var topic = topicName(s, si);
      if (warnings.some(function (w) {
        return w.indexOf(topic) >= 0;
      })) return;
      notes.push([el('strong', { text: topic }), ' matches no ' + kindWhat() + '.']);
    });
    warnings.forEach(function (w) {
      notes.push([w]);
    });
    if (!notes.length) {
      box.hidden = true;
      return;
    }
    var ul = el('ul');
    notes.forEach(function (n) {
      ul.appendChild(el('li', null, n));
    });
    box.appendChild(ul);
    box.hidden = false;
  }

  function matchesNothing(s) {
    var pts = Array.isArray(s.points) ? s.points : [];
    return pts.length > 0 && pts.every(function (p) {
      return !(Number(p.docs) > 0);
    });
  }

  /* The topic as typed (the API echoes it in `topic`; `query` is the parsed
   * form, stems and synonyms, shown only as a title). */
  function topicName(s, si) {
    return str(s && s.topic) || str(state.topics[si]);
  }

  function renderChips() {
    var ul = $('topic-chips');
    clear(ul);
    state.topics.forEach(function (t, i) {
      var color = COLORS[i % COLORS.length];
      var btn = el('button', { type: 'button', className: 'chip-x', 'aria-label': 'Remove topic ' + t,
                               text: '×' });
      btn.addEventListener('click', function () {
        removeTopic(i);
      });
      ul.appendChild(el('li', { className: 'chip', 'data-topic': t }, [
        el('span', { className: 'swatch', 'aria-hidden': 'true', style: 'background:' + color }),
        el('span', { className: 'chip-text', text: t }),
        btn,
      ]));
    });
  }

  /* Queue a topic (from the box, or a term button).  Returns a promise. */
  function submitTopic(t, fromBox) {
    t = str(t).trim();
    if (!t) return topicQueue;
    topicQueue = topicQueue.then(function () {
      return addTopic(t, fromBox);
    });
    return topicQueue;
  }

  /* The topic is checked alone by the API before it joins the chart: one the
   * parser refuses is not added (its message is shown, the text stays in the
   * box to be fixed), and the topics already drawn stay drawn. */
  function addTopic(t, fromBox) {
    var input = $('topic-input');
    var dup = state.topics.filter(function (x) {
      return x.toLowerCase() === t.toLowerCase();
    })[0];
    if (dup) {
      topicMessage('note', [el('strong', { text: dup }), ' is already shown.']);
      if (fromBox && input.value.trim() === t) input.select();
      return Promise.resolve();
    }
    if (state.topics.length >= MAX_TOPICS) {
      topicMessage('error', ['At most ' + MAX_TOPICS + ' topics at once: remove one first.']);
      return Promise.resolve();
    }
    return checkTopic(t, 'topic-check').then(function () {
      topicMessage(null);
      if (fromBox && input.value.trim() === t) input.value = '';
      if (state.topics.some(function (x) {
        return x.toLowerCase() === t.toLowerCase();
      })) return;
      navigate({ topics: state.topics.concat([t]) }, 'push');
    }, function (e) {
      if (isAbort(e)) return;
      topicMessage('error', [el('strong', { text: 'Not added: ' }), el('code', { text: t }),
        ' — ' + str(e.message)]);
    });
  }

  function removeTopic(i) {
    var t = state.topics.slice();
    t.splice(i, 1);
    topicMessage(null);
    navigate({ topics: t }, 'push');
    var chips = document.querySelectorAll('#topic-chips .chip-x');
    if (chips.length) chips[Math.min(i, chips.length - 1)].focus();
    else $('topic-input').focus();
  }

  /* The years the archive holds (inside the range asked for), whatever the
   * kind: trends `totals`, else the points' years. */
  function years() {
    if (!trendData) return [];
    var ys = [];
    (trendData.totals || []).forEach(function (t) {
      if (Number.isInteger(t.year)) ys.push(t.year);
    });
    if (!ys.length) {
      (trendData.series || []).forEach(function (s) {
        (s.points || []).forEach(function (p) {
          if (Number.isInteger(p.year) && ys.indexOf(p.year) < 0) ys.push(p.year);
        });
      });
    }
    return ys.sort(function (a, b) {
      return a - b;
    });
  }

  function num(v) {
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }

  /* A year with no document passing the filters: nothing to measure.  The
   * API says so with no_docs (and null rates); an older one sent zeros, so
   * docs_total 0 counts as well. */
  function isEmptyPoint(p) {
    return !!p && (p.no_docs === true || p.docs_total === 0);
  }

  /* {v, lo, hi}, null where unknown (a missing or null bound stays null). */
  function measure(v, ci, scale) {
    ci = Array.isArray(ci) ? ci : [];
    function s(x) {
      x = num(x);
      return x === null ? null : x * scale;
    }
    return { v: s(v), lo: s(ci[0]), hi: s(ci[1]) };
  }

  function shareOf(p) {
    return measure(p.share, p.share_ci, 100);
  }

  function rateOf(p) {
    return measure(p.per_1k, p.per_1k_ci, 1);
  }

  function metricOf(p) {
    return state.metric === 'per_1k' ? rateOf(p) : shareOf(p);
  }

  /* One precision everywhere on the page: percentages with one decimal,
   * per-1k rates with three significant digits. */
  function fmtPct(v) {
    return v === null ? '–' : v.toFixed(1) + '%';
  }

  function fmtRate(v) {
    if (v === null) return '–';
    if (v === 0) return '0';
    if (Math.abs(v) >= 1000) return nf.format(Math.round(v));
    return v.toPrecision(3);
  }

  function fmtMetric(v) {
    return state.metric === 'per_1k' ? fmtRate(v) : fmtPct(v);
  }

  function ciText(lo, hi, fmt, sep) {
    if (lo === null && hi === null) return 'interval not defined';
    if (hi === null) return 'from ' + fmt(lo) + ', upper bound not defined';
    if (lo === null) return 'up to ' + fmt(hi) + ', lower bound not defined';
    return fmt(lo) + (sep || '–') + fmt(hi);
  }

  function levelText(level) {
    var l = Number(level);
    return l > 0 && l < 1 ? Math.round(l * 1000) / 10 + '%' : '95%';
  }

  function ciName(m) {
    m = str(m);
    if (/wilson/i.test(m)) return 'Wilson score interval';
    if (/garwood|poisson/i.test(m)) return 'exact Poisson interval (Garwood)';
    if (/newcombe/i.test(m)) return 'Newcombe hybrid score interval';
    return m;
  }

  /* The interval method of the measure shown: meta.ci.method (or
   * share_method) for the share, meta.ci.per_1k_method for the rate. */
  function bandMethod() {
    var ci = (trendData && trendData.meta && trendData.meta.ci) || {};
    if (state.metric === 'per_1k') return ciName(ci.per_1k_method || 'exact-poisson-garwood');
    return ciName(ci.share_method || ci.method || 'wilson');
  }

  /* The smallest 1/1.2/1.5/2/2.5/3/4/5/6/8 x 10^k at or above v, so four
   * grid steps land on round numbers. */
  function niceMax(v) {
    if (!(v > 0)) return 1;
    var e = Math.pow(10, Math.floor(Math.log10(v)));
    var m = v / e;
    var steps = [1, 1.2, 1.6, 2, 2.4, 3, 4, 5, 6, 8, 10];
    for (var i = 0; i < steps.length; i++) {
      if (m <= steps[i] + 1e-9) return steps[i] * e;
    }
    return 10 * e;
  }

  /* Axis ticks are round scale values with the decimals their step needs. */
  function fmtTick(v, step) {
    var d = 0;
    while (d < 4 && Math.abs(step * Math.pow(10, d) - Math.round(step * Math.pow(10, d))) > 1e-6) d++;
    return v.toFixed(d) + (state.metric === 'per_1k' ? '' : '%');
  }

  /* "2020–22", "2021" */
  function yearSpan(a, b) {
    if (a === b) return String(a);
    var sa = String(a), sb = String(b);
    return sa + '–' + (sa.slice(0, 2) === sb.slice(0, 2) ? sb.slice(2) : sb);
  }

  function listText(items) {
    if (items.length < 2) return items.join('');
    return items.slice(0, -1).join(', ') + ' and ' + items[items.length - 1];
  }

  /* The x axis is a row of slots: one per year of the archive, one per run
   * of years missing from it (a broken axis, labelled "no data"), so a
   * three-year gap does not squeeze the years that have data. */
  function xSlots(ys) {
    var slots = [];
    ys.forEach(function (yr, i) {
      if (i && yr - ys[i - 1] > 1) slots.push({ gap: [ys[i - 1] + 1, yr - 1] });
      slots.push({ year: yr });
    });
    return slots;
  }

  /* Years with no document of the chosen kind (docs_total 0 in totals or
   * in any point: the filters are the same for every topic). */
  function emptyYears(series) {
    var set = Object.create(null);
    (trendData.totals || []).forEach(function (t) {
      if (Number.isInteger(t.year) && t.docs === 0) set[t.year] = true;
    });
    series.forEach(function (s) {
      (s.points || []).forEach(function (p) {
        if (Number.isInteger(p.year) && isEmptyPoint(p)) set[p.year] = true;
      });
    });
    return set;
  }

  /* The points that are measurements: not an empty year, a known value. */
  function realPoints(s) {
    return (s.points || []).filter(function (p) {
      return p && Number.isInteger(p.year) && !isEmptyPoint(p) && metricOf(p).v !== null;
    }).sort(function (a, b) {
      return a.year - b.year;
    });
  }

  function validBurst(b) {
    return b && Number.isInteger(b.start) && Number.isInteger(b.end);
  }

  function drawChart() {
    var box = $('chart');
    clear(box);
    clear($('legend'));
    clear($('chart-table'));
    hideTooltip();
    emphasise = null;
    var series = trendData && Array.isArray(trendData.series) ? trendData.series : [];
    var ys = years();
    if (!series.length || !ys.length) {
      box.appendChild(el('p', { className: 'empty', text: state.topics.length ? (trendData ? 'No data for these topics.' : '') : 'Add a topic to draw its trend.' }));
      $('chart-caption').textContent = '';
      return;
    }
    var empty = emptyYears(series);
    var slots = xSlots(ys);
    var many = series.length > BANDS_ALL_MAX;
    var hasBursts = series.some(function (s) {
      return (s.bursts || []).some(validBurst);
    });
    var avail = Math.round(box.clientWidth || 640);
    var narrow = avail < 520;
    /* Bursts get a strip above the plot, one row per topic. */
    var strip = hasBursts ? 4 + series.length * 6 : 0;
    var m = { l: 52, r: 16, t: 18 + strip, b: 50 };
    var minW = m.l + m.r + 56 + (slots.length - 1) * MIN_SLOT_PX;
    var width = Math.max(300, avail, minW);
    var height = (narrow && !many ? 280 : 350) + strip;
    var iw = width - m.l - m.r, ih = height - m.t - m.b;
    var maxV = 0;
    series.forEach(function (s) {
      realPoints(s).forEach(function (p) {
        var mv = metricOf(p);
        maxV = Math.max(maxV, mv.v, mv.hi === null ? 0 : mv.hi);
      });
    });
    var yMax = niceMax(maxV * 1.05);
    if (state.metric === 'share') yMax = Math.min(yMax, 100);
    /* Inset the first and last slot so their points and labels are not
     * cut by the plot's edges. */
    var pad = Math.min(28, iw / 6);
    var slotW = slots.length > 1 ? (iw - 2 * pad) / (slots.length - 1) : iw;
    var slotOfYear = Object.create(null);
    slots.forEach(function (sl, i) {
      if (sl.year !== undefined) slotOfYear[sl.year] = i;
    });
    function slotOf(year) {
      if (slotOfYear[year] !== undefined) return slotOfYear[year];
      for (var i = 0; i < slots.length; i++) {
        if (slots[i].gap && year >= slots[i].gap[0] && year <= slots[i].gap[1]) return i;
      }
      return year < ys[0] ? 0 : slots.length - 1;
    }
    function xs(i) {
      if (slots.length === 1) return m.l + iw / 2;
      return m.l + pad + slotW * i;
    }
    function x(year) {
      return xs(slotOf(year));
    }
    function y(v) {
      return m.t + ih - (ih * Math.min(v, yMax)) / yMax;
    }
    var unit = state.metric === 'per_1k' ? 'Mentions per 1,000 words' : 'Share of documents';
    var root = svg('svg', {
      viewBox: '0 0 ' + width + ' ' + height,
      width: width,
      height: height,
      role: 'group',
      'aria-label': unit + ' per year for ' + state.topics.join(', ') +
                    '. Each point is a button that lists its documents.',
      className: 'chart-svg' + (many ? ' many' : ''),
    });
    if (width > avail) root.style.width = width + 'px';
    /* Grey columns: years missing from the archive, and years with no
     * document of the chosen kind.  Below the grid. */
    var grid = svg('g', { className: 'grid', 'aria-hidden': 'true' });
    /* Hatching, the usual mark for "no data" (a plain grey would read as
     * one more band). */
    grid.appendChild(svg('defs', null, svg('pattern', {
      id: 'nodata-hatch', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)',
    }, [svg('rect', { width: 6, height: 6, fill: '#f6f7f9' }),
        svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, stroke: '#dfe2e7', 'stroke-width': 2 })])));
    var row1 = height - m.b + 18, row2 = height - m.b + 32;
    slots.forEach(function (sl, i) {
      var what = null, label = null, note = null;
      if (sl.gap) {
        what = yearSpan(sl.gap[0], sl.gap[1]) + ': not in the archive';
        label = 'no data';
        note = yearSpan(sl.gap[0], sl.gap[1]);
      } else if (empty[sl.year]) {
        what = sl.year + ': no ' + kindWhat();
        note = 'none';
      }
      if (!what) return;
      var x1 = Math.max(m.l, xs(i) - slotW / 2), x2 = Math.min(width - m.r, xs(i) + slotW / 2);
      grid.appendChild(svg('rect', { className: 'nodata', x: x1, y: m.t, width: Math.max(0, x2 - x1), height: ih,
                                     fill: 'url(#nodata-hatch)' },
                           svg('title', { text: what })));
      if (label) {
        grid.appendChild(svg('text', { x: xs(i), y: row1, 'text-anchor': 'middle', className: 'tick gap-label',
                                       text: label }));
      }
      if (note && slotW >= 40) {
        grid.appendChild(svg('text', { x: xs(i), y: row2, 'text-anchor': 'middle', className: 'tick tick-note',
                                       text: note }));
      }
    });
    for (var i = 0; i <= 4; i++) {
      var v = (yMax * i) / 4;
      var yy = y(v);
      grid.appendChild(svg('line', { x1: m.l, x2: width - m.r, y1: yy, y2: yy }));
      grid.appendChild(svg('text', { x: m.l - 6, y: yy + 4, 'text-anchor': 'end', className: 'tick',
                                     text: fmtTick(v, yMax / 4) }));
    }
    /* Label every year when they fit, else every other one. */
    var stepYears = slotW < 36 ? 2 : 1;
    ys.forEach(function (yr, idx) {
      if (idx % stepYears && idx !== ys.length - 1) return;
      grid.appendChild(svg('text', { x: x(yr), y: row1, 'text-anchor': 'middle',
                                     className: 'tick' + (empty[yr] ? ' tick-empty' : ''), text: String(yr) }));
    });
    /* The x axis, broken (two slashes) where the archive has a gap. */
    var y0 = y(0), ax = m.l;
    slots.forEach(function (sl, i) {
      if (!sl.gap) return;
      var gx = xs(i);
      grid.appendChild(svg('line', { className: 'axis', x1: ax, x2: gx - 4, y1: y0, y2: y0 }));
      grid.appendChild(svg('path', { className: 'axis-break',
                                     d: 'M' + (gx - 8) + ',' + (y0 + 5) + 'L' + (gx - 2) + ',' + (y0 - 5) +
                                        'M' + (gx + 2) + ',' + (y0 + 5) + 'L' + (gx + 8) + ',' + (y0 - 5) }));
      ax = gx + 4;
    });
    grid.appendChild(svg('line', { className: 'axis', x1: ax, x2: width - m.r, y1: y0, y2: y0 }));
    grid.appendChild(svg('text', { x: 12, y: m.t + ih / 2, className: 'axis-title', 'text-anchor': 'middle',
                                   transform: 'rotate(-90 12 ' + (m.t + ih / 2) + ')',
                                   text: state.metric === 'per_1k' ? 'per 1k words' : '% of documents' }));
    if (hasBursts) {
      grid.appendChild(svg('text', { x: m.l - 6, y: 2 + series.length * 3 + 4, 'text-anchor': 'end',
                                     className: 'tick', text: 'bursts' }));
    }
    root.appendChild(grid);

    function pt(p, v) {
      return x(p.year).toFixed(1) + ',' + y(v).toFixed(1);
    }

    /* Points sit above every line and band; the pointer is matched to the
     * nearest point (within HIT_PX), so points of different series that
     * overlap stay reachable and a tap need not land on a 5 px dot.
     * Cost: a linear scan of years x topics points per mouse move. */
    var targets = [];
    var groups = [];
    var legendItems = [];
    var points = svg('g', { className: 'points' });
    series.forEach(function (s, si) {
      var color = COLORS[si % COLORS.length];
      var dash = DASHES[si % DASHES.length] || null;
      var topic = topicName(s, si);
      var desc = str(s.query);
      var pts = realPoints(s);
      var g = svg('g', { className: 'series', 'data-topic': topic, 'data-index': si });
      groups.push(g);
      /* Runs of points in neighbouring slots.  Within a run the line is
       * solid; between runs (across a gap or a year with no documents of
       * the kind) a faint connector joins the real points, and nothing is
       * drawn at the empty year. */
      var runs = [], cur = null;
      pts.forEach(function (p) {
        var i = slotOf(p.year);
        if (cur && i === cur.last + 1) cur.pts.push(p);
        else runs.push(cur = { pts: [p] });
        cur.last = i;
      });
      /* Bands only where both ends are known; a lone point gets a whisker. */
      var bands = svg('g', { className: 'bands', 'aria-hidden': 'true' });
      runs.forEach(function (r) {
        var seg = [];
        function flush() {
          if (seg.length > 1) {
            var up = seg.map(function (p) {
              return pt(p, metricOf(p).hi);
            });
            var lo = seg.slice().reverse().map(function (p) {
              return pt(p, metricOf(p).lo);
            });
            bands.appendChild(svg('path', { className: 'band', d: 'M' + up.join('L') + 'L' + lo.join('L') + 'Z',
                                            fill: color }));
            bands.appendChild(svg('path', { className: 'band-edge', d: 'M' + up.join('L'), stroke: color }));
            bands.appendChild(svg('path', { className: 'band-edge', d: 'M' + lo.join('L'), stroke: color }));
          } else if (seg.length === 1) {
            /* whiskers of several topics at one year sit side by side */
            var p0 = seg[0], mv0 = metricOf(p0);
            var wx = x(p0.year) + Math.max(-12, Math.min(12, (si - (series.length - 1) / 2) * 3));
            var ylo = y(mv0.lo).toFixed(1), yhi = y(mv0.hi).toFixed(1);
            bands.appendChild(svg('path', { className: 'whisker', stroke: color,
                                            d: 'M' + (wx - 5) + ',' + ylo + 'H' + (wx + 5) + 'M' + wx + ',' + ylo +
                                               'V' + yhi + 'M' + (wx - 5) + ',' + yhi + 'H' + (wx + 5) }));
          }
          seg = [];
        }
        r.pts.forEach(function (p) {
          var mv = metricOf(p);
          if (mv.lo === null || mv.hi === null) flush();
          else seg.push(p);
        });
        flush();
      });
      g.appendChild(bands);
      var solid = runs.filter(function (r) {
        return r.pts.length > 1;
      }).map(function (r) {
        return 'M' + r.pts.map(function (p) {
          return pt(p, metricOf(p).v);
        }).join('L');
      }).join('');
      if (solid) {
        g.appendChild(svg('path', { className: 'line', d: solid, stroke: color, 'stroke-dasharray': dash,
                                    'aria-hidden': 'true' }));
      }
      var joins = '';
      for (var ri = 1; ri < runs.length; ri++) {
        var pa = runs[ri - 1].pts[runs[ri - 1].pts.length - 1], pb = runs[ri].pts[0];
        joins += 'M' + pt(pa, metricOf(pa).v) + 'L' + pt(pb, metricOf(pb).v);
      }
      if (joins) {
        g.appendChild(svg('path', { className: 'connector', d: joins, stroke: color, 'stroke-dasharray': dash,
                                    'aria-hidden': 'true' }));
      }
      var burstText = [];
      (s.bursts || []).forEach(function (b) {
        if (!validBurst(b)) return;
        var bx1 = x(Math.max(b.start, ys[0])), bx2 = x(Math.min(b.end, ys[ys.length - 1]));
        var half = Math.min(12, slotW / 3);
        burstText.push(yearSpan(b.start, b.end));
        g.appendChild(svg('rect', { className: 'burst', x: Math.min(bx1, bx2) - half, y: 4 + si * 6,
                                    width: Math.abs(bx2 - bx1) + 2 * half, height: 4, fill: color },
                          svg('title', { text: topic + ': burst ' + yearSpan(b.start, b.end) })));
      });
      pts.forEach(function (p) {
        var mv = metricOf(p);
        var cx = x(p.year), cy = y(mv.v);
        var pg = svg('g', {
          className: 'pt' + (p.low_count ? ' low' : ''),
          tabindex: '0',
          role: 'button',
          'aria-label': pointLabel(topic, p),
          'data-year': p.year,
          'data-topic': topic,
          'data-index': si,
        });
        pg.appendChild(svg('circle', { className: 'ring', cx: cx, cy: cy, r: 10 }));
        pg.appendChild(svg('circle', { className: 'dot', cx: cx, cy: cy, r: 5, stroke: color,
                                       fill: p.low_count ? '#fff' : color }));
        var target = { x: cx, y: cy, si: si, p: p, topic: topic, color: color, node: pg };
        targets.push(target);
        pg.addEventListener('focus', function () {
          focusSi = si;
          applyEmphasis();
          showTooltip(target);
        });
        pg.addEventListener('blur', function () {
          focusSi = null;
          applyEmphasis();
          hideTooltip();
        });
        pg.addEventListener('keydown', function (ev) {
          if (ev.key === 'Enter' || ev.key === ' ') {
            ev.preventDefault();
            selectPoint(si, p, topic);
          }
        });
        if (selectedPoint && selectedPoint.si === si && selectedPoint.year === p.year) {
          pg.classList.add('selected');
        }
        points.appendChild(pg);
      });
      root.appendChild(g);

      var legendItem = el('li', { className: 'legend-item', 'data-index': si,
                                  title: desc && desc !== topic ? 'Searched as: ' + desc : null }, [
        legendSwatch(color, dash),
        el('span', { className: 'legend-topic', text: topic }),
      ]);
      if (matchesNothing(s)) legendItem.appendChild(el('span', { className: 'legend-note', text: 'no matches' }));
      if (burstText.length) {
        legendItem.appendChild(el('span', { className: 'legend-note', text: 'burst ' + burstText.join(', ') }));
      }
      legendItem.addEventListener('mouseenter', function () {
        hoverSi = si;
        applyEmphasis();
      });
      legendItem.addEventListener('mouseleave', function () {
        hoverSi = null;
        applyEmphasis();
      });
      legendItems.push(legendItem);
      $('legend').appendChild(legendItem);
    });
    /* Emphasis: the topic pointed at (a point or its legend entry), else
     * the focused point's, else (with many topics) the selected point's,
     * comes forward: its band shows, the other lines fade. */
    var hoverSi = null, focusSi = null;
    function applyEmphasis() {
      var si = hoverSi !== null ? hoverSi : focusSi !== null ? focusSi :
               many && selectedPoint ? selectedPoint.si : null;
      root.classList.toggle('emphasis', si !== null);
      groups.forEach(function (g, i) {
        g.classList.toggle('emph', i === si);
      });
      targets.forEach(function (tg) {
        tg.node.classList.toggle('dim', si !== null && tg.si !== si);
      });
      legendItems.forEach(function (li, i) {
        li.classList.toggle('dim', si !== null && i !== si);
      });
    }
    emphasise = applyEmphasis;
    var overlay = svg('rect', { className: 'overlay', x: 0, y: 0, width: width, height: height,
                                'aria-hidden': 'true' });
    root.appendChild(overlay);
    root.appendChild(points);
    function nearest(ev) {
      var r = root.getBoundingClientRect();
      var sx = ((ev.clientX - r.left) * width) / r.width, sy = ((ev.clientY - r.top) * height) / r.height;
      var best = null, bestD = Infinity;
      targets.forEach(function (tg) {
        var d = Math.hypot(tg.x - sx, tg.y - sy);
        if (d < bestD - 0.5 || (Math.abs(d - bestD) <= 0.5 && best && (tg.p.docs || 0) > (best.p.docs || 0))) {
          best = tg;
          bestD = d;
        }
      });
      return bestD <= HIT_PX ? best : null;
    }
    var hovered = null;
    root.addEventListener('mousemove', function (ev) {
      var tg = nearest(ev);
      if (tg === hovered) return;
      if (hovered) hovered.node.classList.remove('hover');
      hovered = tg;
      hoverSi = tg ? tg.si : null;
      applyEmphasis();
      root.classList.toggle('pointing', !!tg);
      if (tg) {
        tg.node.classList.add('hover');
        showTooltip(tg);
      } else {
        hideTooltip();
      }
    });
    root.addEventListener('mouseleave', function () {
      if (hovered) hovered.node.classList.remove('hover');
      hovered = null;
      hoverSi = null;
      applyEmphasis();
      root.classList.remove('pointing');
      hideTooltip();
    });
    root.addEventListener('click', function (ev) {
      var tg = nearest(ev);
      if (tg) selectPoint(tg.si, tg.p, tg.topic);
    });
    box.appendChild(root);
    applyEmphasis();
    $('chart-caption').textContent = chartCaption(ys, empty, slots, hasBursts, many, unit);
    drawTable(series, ys, empty);
  }

  function chartCaption(ys, empty, slots, hasBursts, many, unit) {
    var ci = trendData.meta && trendData.meta.ci;
    var s = unit + ' per year' +
      (state.metric === 'share' ? ' (documents matching the topic ÷ all ' + kindWhat() + ' that year)' :
                                  ' (occurrences ÷ words indexed that year × 1,000)') +
      '. Bands: ' + levelText(ci && ci.level) + ' confidence interval, ' + bandMethod() +
      (many ? ' (shown for the topic you point at or select)' : '') +
      '. Hollow points: few documents or mentions (under 5 documents or 10 mentions): read with care.';
    var held = ys.filter(function (yr) {
      return !empty[yr];
    });
    s += ' The archive holds ' + listText(ys.map(String)) + '.';
    var grey = [];
    slots.forEach(function (sl) {
      if (sl.gap) grey.push(yearSpan(sl.gap[0], sl.gap[1]) + ' not in the archive');
    });
    var none = ys.filter(function (yr) {
      return empty[yr];
    });
    if (none.length) grey.push('no ' + kindWhat() + ' in ' + listText(none.map(String)));
    if (grey.length) {
      s += ' Hatched: no data (' + grey.join('; ') + ')' +
           (held.length > 1 ? '; lines cross it faintly, without points.' : '.');
    }
    if (hasBursts) {
      s += ' Bars above the plot: bursts, years in which a topic\'s share jumps well above its usual level' +
           ' (Kleinberg\'s burst model).';
    }
    return s;
  }

  function legendSwatch(color, dash) {
    return svg('svg', { width: 28, height: 12, 'aria-hidden': 'true', className: 'legend-swatch' }, [
      svg('line', { x1: 1, x2: 27, y1: 6, y2: 6, stroke: color, 'stroke-width': 3,
                    'stroke-dasharray': dash || null }),
    ]);
  }

  function pointLabel(topic, p) {
    var docs = Number(p.docs) || 0, total = Number(p.docs_total) || 0;
    var s = topic + ', ' + p.year + ': ' + nf.format(docs) + ' of ' + nf.format(total) + ' documents (' +
            fmtPct(shareOf(p).v) + '), ' + nf.format(Number(p.mentions) || 0) + ' mentions, ' +
            fmtRate(rateOf(p).v) + ' per 1,000 words';
    if (p.low_count) s += ', few documents or mentions';
    return s;
  }

  function showTooltip(tg) {
    var node = tg.node, topic = tg.topic, p = tg.p, color = tg.color;
    var tip = $('tooltip');
    clear(tip);
    var docs = Number(p.docs) || 0, total = Number(p.docs_total) || 0;
    var sh = shareOf(p), rt = rateOf(p);
    var level = levelText(trendData && trendData.meta && trendData.meta.ci && trendData.meta.ci.level);
    tip.appendChild(el('p', { className: 'tip-title' }, [
      el('span', { className: 'swatch', style: 'background:' + color }), topic + ' — ' + p.year,
    ]));
    tip.appendChild(el('p', { text: nf.format(docs) + ' of ' + nf.format(total) + ' documents: ' +
                                    fmtPct(sh.v) + ' (' + level + ' CI ' + ciText(sh.lo, sh.hi, fmtPct) + ')' }));
    tip.appendChild(el('p', { text: nf.format(Number(p.mentions) || 0) + ' mentions: ' + fmtRate(rt.v) +
                                    ' per 1k words (' + level + ' CI ' + ciText(rt.lo, rt.hi, fmtRate) + ')' }));
    if (p.low_count) {
      tip.appendChild(el('p', { className: 'warn', text: 'Few documents or mentions: read with care.' }));
    }
    tip.appendChild(el('p', { className: 'muted', text: 'Click or press Enter to list the talks.' }));
    tip.hidden = false;
    var fig = tip.parentNode.getBoundingClientRect();
    var r = node.querySelector('.dot').getBoundingClientRect();
    var left = r.left - fig.left + r.width / 2 + 12;
    var top = r.top - fig.top - 10;
    var tw = tip.offsetWidth;
    if (left + tw > fig.width) left = Math.max(0, r.left - fig.left + r.width / 2 - tw - 12);
    tip.style.left = left + 'px';
    tip.style.top = Math.max(0, top) + 'px';
  }

  function hideTooltip() {
    var tip = $('tooltip');
    if (tip) tip.hidden = true;
  }

  function selectPoint(si, p, topic) {
    selectedPoint = { si: si, year: p.year };
    if (emphasise) emphasise();
    document.querySelectorAll('#chart .pt.selected').forEach(function (n) {
      n.classList.remove('selected');
    });
    document.querySelectorAll('#chart .pt[data-index="' + si + '"][data-year="' + p.year + '"]')
      .forEach(function (n) {
        n.classList.add('selected');
      });
    var sec = $('point-talks');
    var docs = Number(p.docs) || 0;
    $('point-heading').textContent = topic + ' in ' + p.year + ': ' + nf.format(docs) +
                                     (docs === 1 ? ' document' : ' documents');
    var list = $('point-list');
    clear(list);
    var top = Array.isArray(p.top) ? p.top : [];
    top.forEach(function (d) {
      list.appendChild(hitItem({ id: d.id, title: d.title, kind: d.kind, year: d.year || p.year,
                                 snippet: d.snippet, snippet_text: d.snippet_text, snippet_html: d.snippet_html,
                                 highlights: d.highlights, track: d.track }, false));
    });
    if (!top.length) list.appendChild(el('li', { className: 'empty', text: 'No documents this year.' }));
    var more = sec.querySelector('.more');
    if (more) more.remove();
    /* Only a point with documents offers them in search. */
    if (docs > 0) {
      sec.appendChild(el('p', { className: 'more' }, el('a', {
        href: urlFor({ view: 'search', q: str(seriesQuery(si) || topic), year: String(p.year), kind: state.tkind,
                       track: '', page: 1 }),
        className: 'search-these',
        text: (docs > top.length ? 'All ' + nf.format(docs) + ' documents' : 'These documents') + ' in search',
      })));
    }
    sec.hidden = false;
    $('point-heading').focus({ preventScroll: true });
    sec.scrollIntoView({ block: 'nearest' });
  }

  function seriesQuery(si) {
    var s = trendData && trendData.series && trendData.series[si];
    return s && typeof s.query === 'string' && s.query ? state.topics[si] || s.query : state.topics[si];
  }

  function emptyCell(why) {
    return el('td', { className: 'none', title: why, 'data-empty': 'true' }, [
      '–', el('span', { className: 'visually-hidden', text: ' (' + why + ')' }),
    ]);
  }

  function drawTable(series, ys, empty) {
    var box = $('chart-table');
    var table = el('table', { className: 'data-table' });
    table.appendChild(el('caption', { text: (state.metric === 'per_1k' ? 'Mentions per 1,000 words (mentions)' :
                                              'Share of documents (matching / all)') + ' by year' }));
    var head = el('tr', null, el('th', { scope: 'col', text: 'Topic' }));
    ys.forEach(function (yr) {
      head.appendChild(el('th', { scope: 'col', text: String(yr) }));
    });
    table.appendChild(el('thead', null, head));
    var tb = el('tbody');
    var noKind = state.tkind ? 'no documents of this kind' : 'no documents';
    series.forEach(function (s, si) {
      var desc = str(s.query), topic = topicName(s, si);
      var tr = el('tr', null, el('th', { scope: 'row', text: topic,
                                         title: desc && desc !== topic ? 'Searched as: ' + desc : null }));
      var byYear = {};
      (s.points || []).forEach(function (p) {
        byYear[p.year] = p;
      });
      ys.forEach(function (yr) {
        var p = byYear[yr];
        if (!p || isEmptyPoint(p) || empty[yr] || metricOf(p).v === null) {
          tr.appendChild(emptyCell(!p || isEmptyPoint(p) || empty[yr] ? noKind : 'not measured'));
          return;
        }
        var cell = fmtMetric(metricOf(p).v);
        cell += state.metric === 'share' ? ' (' + nf.format(Number(p.docs) || 0) + '/' +
                                           nf.format(Number(p.docs_total) || 0) + ')'
                                         : ' (' + nf.format(Number(p.mentions) || 0) + ')';
        tr.appendChild(el('td', { text: cell }));
      });
      tb.appendChild(tr);
    });
    table.appendChild(tb);
    box.appendChild(table);
  }

  /* ---- between two years: chart topics compared, rising / falling terms ---- */

  function loadStats() {
    if (stats) return Promise.resolve(stats);
    if (!statsLoad) {
      statsLoad = api('stats', '/api/stats').then(function (d) {
        stats = d;
        return d;
      }, function (e) {
        statsLoad = null;
        throw e;
      });
    }
    return statsLoad;
  }

  function statsYear(yr) {
    var list = stats && Array.isArray(stats.years) ? stats.years : [];
    for (var i = 0; i < list.length; i++) {
      if (list[i] && list[i].year === yr) return list[i];
    }
    return null;
  }

  function kindsOf(yr) {
    var y = statsYear(yr);
    return y && y.kinds && typeof y.kinds === 'object' ? y.kinds : {};
  }

  /* Years with documents of the chosen kind (all kinds: any document), from
   * /api/stats: the comparison never depends on a trends answer. */
  function compareYears() {
    var ys = [];
    (stats && Array.isArray(stats.years) ? stats.years : []).forEach(function (y) {
      if (!y || !Number.isInteger(y.year)) return;
      var n = state.tkind ? Number(kindsOf(y.year)[state.tkind]) || 0 : Number(y.documents) || 0;
      if (n > 0) ys.push(y.year);
    });
    return ys.sort(function (a, b) {
      return a - b;
    });
  }

  function renderRising() {
    loadStats().then(showRising, function (e) {
      if (isAbort(e)) return;
      showError($('rising-error'), e);
    });
  }

  function clearBetween() {
    clear($('rising-list'));
    clear($('falling-list'));
    clear($('compare'));
    $('compare-block').hidden = true;
    $('terms-block').hidden = true;
  }

  function showRising() {
    if (state.view !== 'trends') return;
    var ys = compareYears();
    ['rising-from', 'rising-to'].forEach(function (id) {
      var sel = $(id);
      clear(sel);
      ys.forEach(function (yr) {
        sel.appendChild(el('option', { value: String(yr), text: String(yr) }));
      });
    });
    $('rising-submit').disabled = ys.length < 2;
    if (ys.length < 2) {
      loaded.rising = null;
      loaded.compare = null;
      compareSeq++;
      showError($('rising-error'), null);
      risingNote([ys.length ? 'Only ' + ys[0] + ' has ' + kindWhat() + ': there is no other year to compare it with.'
                            : 'No year has ' + kindWhat() + '.']);
      clearBetween();
      return;
    }
    var from = ys.indexOf(Number(state.from)) >= 0 ? state.from : String(ys[0]);
    var to = ys.indexOf(Number(state.to)) >= 0 ? state.to : String(ys[ys.length - 1]);
    $('rising-from').value = from;
    $('rising-to').value = to;
    var key = JSON.stringify([from, to, state.tkind]);
    if (from === to) {
      loaded.rising = key;
      loaded.compare = null;
      compareSeq++;
      risingNote(null);
      showError($('rising-error'), { status: 400, message: 'choose two different years.' });
      clearBetween();
      return;
    }
    $('terms-block').hidden = false;
    kindMixNote(from, to);
    renderCompare(from, to);
    if (loaded.rising === key) return;
    loaded.rising = key;
    var p = new URLSearchParams({ from: from, to: to, limit: '12' });
    if (state.tkind) p.set('kind', state.tkind);
    api('rising', '/api/terms/rising?' + p.toString()).then(function (data) {
      showError($('rising-error'), null);
      termList($('rising-list'), data.rising);
      termList($('falling-list'), data.falling);
    }, function (e) {
      if (isAbort(e)) return;
      loaded.rising = null;
      showError($('rising-error'), e);
      clear($('rising-list'));
      clear($('falling-list'));
    });
  }

  function risingNote(parts) {
    var note = $('rising-note');
    clear(note);
    note.hidden = !parts;
    if (parts) appendAll(note, parts);
  }

  /* With all kinds, two years holding different kinds of documents (2019:
   * talks and microconferences; 2024: microconferences) move terms by the
   * mix alone: say so, and offer the kind both years share. */
  function kindMixNote(from, to) {
    if (state.tkind) {
      risingNote(null);
      return;
    }
    var ka = kindsOf(Number(from)), kb = kindsOf(Number(to));
    var kinds = Object.keys(ka).concat(Object.keys(kb).filter(function (k) {
      return !(k in ka);
    }));
    var differ = kinds.some(function (k) {
      return (Number(ka[k]) > 0) !== (Number(kb[k]) > 0);
    });
    if (!differ) {
      risingNote(null);
      return;
    }
    function mix(kk) {
      return listText(kinds.filter(function (k) {
        return Number(kk[k]) > 0;
      }).map(function (k) {
        return kindCount(Number(kk[k]), k);
      }));
    }
    var parts = [from + ' holds ' + mix(ka) + '; ' + to + ' holds ' + mix(kb) +
                 ', so some terms rise or fall with the kinds of documents. '];
    var best = null, bestN = 0;
    kinds.forEach(function (k) {
      var n = Math.min(Number(ka[k]) || 0, Number(kb[k]) || 0);
      if (n > bestN) {
        best = k;
        bestN = n;
      }
    });
    if (best) {
      var btn = el('button', { type: 'button', className: 'linklike', id: 'kind-mix-fix',
                               text: 'Compare ' + (KIND_PLURAL[best] || best) + ' only' });
      btn.addEventListener('click', function () {
        navigate({ tkind: best }, 'push');
      });
      parts.push(btn);
    }
    risingNote(parts);
  }

  /* The chart's topics in the two years: /api/trends/compare, one request
   * per topic (at most 8), share in each year and the difference with its
   * interval. */
  function renderCompare(from, to) {
    var key = JSON.stringify([from, to, state.tkind, state.topics]);
    if (loaded.compare === key) return;
    loaded.compare = key;
    var seq = ++compareSeq;
    if (!state.topics.length) {
      clear($('compare'));
      $('compare-block').hidden = true;
      return;
    }
    var topics = state.topics.slice();
    Promise.all(topics.map(function (t, i) {
      var p = new URLSearchParams({ topic: t, a: from, b: to });
      if (state.tkind) p.set('kind', state.tkind);
      return api('compare-' + i, '/api/trends/compare?' + p.toString()).then(function (d) {
        return { topic: t, data: d };
      }, function (e) {
        if (isAbort(e)) throw e;
        return { topic: t, error: e };
      });
    })).then(function (rows) {
      if (seq === compareSeq) drawCompare(rows, from, to);
    }, function (e) {
      if (!isAbort(e) && seq === compareSeq) loaded.compare = null;
    });
  }

  function fmtPts(v) {
    var t = Math.abs(v).toFixed(1);
    return (t === '0.0' ? '' : v > 0 ? '+' : '−') + t;
  }

  function drawCompare(rows, from, to) {
    var box = $('compare');
    clear(box);
    var level = '95%';
    var table = el('table', { className: 'data-table compare-table' });
    table.appendChild(el('caption', { text: 'Share of ' + kindWhat() + ' matching each chart topic' }));
    table.appendChild(el('thead', null, el('tr', null, [
      el('th', { scope: 'col', text: 'Topic' }),
      el('th', { scope: 'col', text: from }),
      el('th', { scope: 'col', text: to }),
      el('th', { scope: 'col', text: 'Change' }),
    ])));
    var tb = el('tbody');
    var noKind = state.tkind ? 'no documents of this kind' : 'no documents';
    rows.forEach(function (r) {
      var tr = el('tr', null, el('th', { scope: 'row', text: r.topic }));
      if (r.error) {
        tr.appendChild(el('td', { colspan: 3, className: 'none', text: str(r.error.message) }));
        tb.appendChild(tr);
        return;
      }
      var d = r.data || {}, a = d.a || {}, b = d.b || {};
      if (d.ci && d.ci.level) level = levelText(d.ci.level);
      [a, b].forEach(function (yv) {
        var sh = shareOf(yv);
        if (isEmptyPoint(yv) || sh.v === null) tr.appendChild(emptyCell(noKind));
        else {
          tr.appendChild(el('td', { text: fmtPct(sh.v) + ' (' + nf.format(Number(yv.docs) || 0) + '/' +
                                          nf.format(Number(yv.docs_total) || 0) + ')' }));
        }
      });
      var diff = measure(d.diff, d.diff_ci, 100);
      if (isEmptyPoint(a) || isEmptyPoint(b) || diff.v === null) {
        tr.appendChild(emptyCell(noKind));
      } else {
        var verdict = diff.lo !== null && diff.lo > 0 ? 'clear rise' :
                      diff.hi !== null && diff.hi < 0 ? 'clear fall' : 'no clear change';
        tr.appendChild(el('td', null, [
          fmtPts(diff.v) + ' points (' + ciText(diff.lo, diff.hi, fmtPts, ' to ') + ')',
          el('span', { className: 'verdict', text: verdict }),
        ]));
      }
      tb.appendChild(tr);
    });
    table.appendChild(tb);
    box.appendChild(el('div', { className: 'table-scroll' }, table));
    box.appendChild(el('p', { className: 'help', text: 'Change: ' + to + ' minus ' + from +
      ', in percentage points, with its ' + level + ' confidence interval (Newcombe hybrid score); ' +
      'an interval that includes 0 is no clear change.' }));
    $('compare-block').hidden = false;
  }

  function termList(ol, terms) {
    clear(ol);
    terms = Array.isArray(terms) ? terms : [];
    if (!terms.length) {
      ol.appendChild(el('li', { className: 'empty', text: 'No terms pass the minimum count.' }));
      return;
    }
    var maxZ = 0;
    terms.forEach(function (t) {
      maxZ = Math.max(maxZ, Math.abs(Number(t.z) || 0));
    });
    terms.forEach(function (t) {
      var name = str(t.display || t.term);
      var z = Number(t.z) || 0;
      var btn = el('button', { type: 'button', className: 'term-btn',
                               'aria-label': name + ', z ' + z.toFixed(1) + '. Add to the chart' }, [
        el('span', { className: 'term-name', text: name }),
        el('span', { className: 'term-z', text: 'z ' + z.toFixed(1) }),
        el('span', { className: 'term-bar', 'aria-hidden': 'true',
                     style: 'width:' + (maxZ ? Math.round((60 * Math.abs(z)) / maxZ) : 0) + 'px' }),
      ]);
      btn.addEventListener('click', function () {
        submitTopic(name, false);
      });
      ol.appendChild(el('li', null, btn));
    });
  }

  /* ---- suggestions ---- */

  var suggestTimer = 0;

  function suggestInto(listId, text, whole) {
    clearTimeout(suggestTimer);
    var m = /([\p{L}\p{N}_-]{2,})$/u.exec(text);
    if (!m) return;
    var prefix = m[1];
    var head = text.slice(0, text.length - prefix.length);
    suggestTimer = setTimeout(function () {
      api('suggest', '/api/suggest?prefix=' + encodeURIComponent(prefix) + '&limit=8').then(function (d) {
        var dl = $(listId);
        clear(dl);
        (Array.isArray(d.suggestions) ? d.suggestions : []).forEach(function (s) {
          var t = str(s.text);
          if (!t) return;
          dl.appendChild(el('option', { value: whole ? t : head + t }));
        });
      }, function () {
        /* suggestions are optional: a failure only leaves the list as it was */
      });
    }, DEBOUNCE_MS);
  }

  /* ---- events ------------------------------------------------------------------------ */

  function plainClick(ev) {
    return ev.button === 0 && !ev.metaKey && !ev.ctrlKey && !ev.shiftKey && !ev.altKey;
  }

  function bind() {
    var q = $('q');
    q.addEventListener('input', function () {
      clearTimeout(searchTimer);
      suggestInto('q-suggest', q.value, false);
      searchTimer = setTimeout(function () {
        if (q.value.trim() === state.q.trim()) return;
        navigate({ q: q.value, page: 1 }, 'push', { typing: true });
      }, DEBOUNCE_MS);
    });
    q.addEventListener('keydown', function (ev) {
      if (ev.key === 'Escape' && q.value) {
        ev.preventDefault();
        clearTimeout(searchTimer);
        q.value = '';
        navigate({ q: '', page: 1 }, 'push');
      }
    });
    $('search-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      clearTimeout(searchTimer);
      if (q.value === state.q) {
        loaded.search = null; /* Enter on the same query runs it again */
        navigate({}, 'none');
      } else {
        navigate({ q: q.value, page: 1 }, 'push');
      }
    });
    $('sort').addEventListener('change', function () {
      navigate({ sort: $('sort').value, page: 1 }, 'push');
    });
    $('dym-button').addEventListener('click', function () {
      var s = $('dym-button').textContent;
      q.value = s;
      navigate({ q: s, page: 1 }, 'push');
      q.focus();
    });
    $('prev-page').addEventListener('click', function () {
      if (state.page > 1) navigate({ page: state.page - 1 }, 'push');
      $('results-summary').scrollIntoView({ block: 'nearest' });
    });
    $('next-page').addEventListener('click', function () {
      navigate({ page: state.page + 1 }, 'push');
      $('results-summary').scrollIntoView({ block: 'nearest' });
    });

    /* Links to documents and views are real hrefs (open in a new tab
     * works); plain clicks stay in the page. */
    document.addEventListener('click', function (ev) {
      var a = ev.target.closest && ev.target.closest('a');
      if (!a || !plainClick(ev)) return;
      if (a.hasAttribute('data-doc')) {
        ev.preventDefault();
        navigate({ view: 'doc', doc: a.getAttribute('data-doc') }, 'push');
      } else if (a.hasAttribute('data-view')) {
        ev.preventDefault();
        var v = a.getAttribute('data-view');
        if (v !== state.view) navigate({ view: v }, 'push');
      } else if (a.classList.contains('search-these')) {
        ev.preventDefault();
        var s = parseURL(a.getAttribute('href'));
        navigate({ view: 'search', q: s.q, year: s.year, kind: s.kind, track: '', page: 1 }, 'push');
      } else if (a.hasAttribute('data-q')) {
        ev.preventDefault();
        $('q').value = a.getAttribute('data-q');
        navigate({ view: 'search', q: a.getAttribute('data-q'), page: 1 }, 'push');
      } else if (a.id === 'home-link') {
        ev.preventDefault();
        navigate({ view: 'search', q: '', year: '', kind: '', track: '', page: 1 }, 'push');
      }
    });

    $('doc-back').addEventListener('click', goBack);
    document.addEventListener('keydown', function (ev) {
      if (ev.key !== 'Escape') return;
      if (state.view === 'doc') {
        goBack();
      } else if (state.view === 'trends') {
        hideTooltip();
        if (!$('point-talks').hidden && $('point-talks').contains(document.activeElement)) {
          $('point-talks').hidden = true;
          var sel = document.querySelector('#chart .pt.selected');
          if (sel) sel.focus();
        }
      }
    });

    $('topic-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      var input = $('topic-input');
      /* The box is emptied once the topic is accepted (addTopic). */
      submitTopic(input.value, true);
      input.focus();
    });
    $('topic-input').addEventListener('keydown', function (ev) {
      var input = $('topic-input');
      if (ev.key === 'Backspace' && !input.value && state.topics.length) {
        ev.preventDefault();
        var t = state.topics.slice(0, -1);
        topicMessage(null);
        navigate({ topics: t }, 'push');
      } else if (ev.key === 'Escape' && input.value) {
        ev.preventDefault();
        ev.stopPropagation();
        input.value = '';
      }
    });
    $('topic-input').addEventListener('input', function () {
      suggestInto('topic-suggest', $('topic-input').value, true);
    });
    document.querySelectorAll('input[name=metric]').forEach(function (r) {
      r.addEventListener('change', function () {
        if (r.checked) navigate({ metric: r.value }, 'push');
      });
    });
    $('trend-kind').addEventListener('change', function () {
      navigate({ tkind: $('trend-kind').value }, 'push');
    });
    $('rising-form').addEventListener('submit', function (ev) {
      ev.preventDefault();
      navigate({ from: $('rising-from').value, to: $('rising-to').value }, 'push');
    });
    $('status-retry').addEventListener('click', function () {
      loaded = { search: null, doc: null, trends: null, rising: null };
      render();
    });

    var lastWidth = 0;
    var ro = new ResizeObserver(function () {
      var w = $('chart').clientWidth;
      if (w && Math.abs(w - lastWidth) > 8 && state.view === 'trends') {
        lastWidth = w;
        drawChart();
      }
    });
    ro.observe($('chart'));
  }

  function goBack() {
    if (depth > 0) history.back();
    else navigate({ view: 'search', doc: '' }, 'push');
  }

  bind();
  $('q').value = state.q;
  render();
})();
