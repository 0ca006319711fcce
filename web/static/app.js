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
  var selectedPoint = null; /* {series, year} */

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
        drawChart();
      } else {
        var p = new URLSearchParams();
        state.topics.forEach(function (t) {
          p.append('topic', t);
        });
        if (state.tkind) p.set('kind', state.tkind);
        $('chart').setAttribute('aria-busy', 'true');
        api('trends', '/api/trends?' + p.toString()).then(function (data) {
          $('chart').removeAttribute('aria-busy');
          showError($('trends-error'), null);
          trendData = data;
          fillYearSelects();
          drawChart();
          renderRising();
        }, function (e) {
          if (isAbort(e)) return;
          $('chart').removeAttribute('aria-busy');
          loaded.trends = null;
          trendData = null;
          showError($('trends-error'), e);
          drawChart();
        });
      }
    } else {
      drawChart();
    }
    renderRising();
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

  function addTopic(t) {
    t = t.trim();
    if (!t) return;
    if (state.topics.some(function (x) {
      return x.toLowerCase() === t.toLowerCase();
    })) return;
    if (state.topics.length >= MAX_TOPICS) {
      showError($('trends-error'), { status: 400, message: 'at most ' + MAX_TOPICS + ' topics at once; remove one first.' });
      return;
    }
    navigate({ topics: state.topics.concat([t]) }, 'push');
  }

  function removeTopic(i) {
    var t = state.topics.slice();
    t.splice(i, 1);
    navigate({ topics: t }, 'push');
    var chips = document.querySelectorAll('#topic-chips .chip-x');
    if (chips.length) chips[Math.min(i, chips.length - 1)].focus();
    else $('topic-input').focus();
  }

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

  function metricOf(p) {
    if (state.metric === 'per_1k') {
      var ci = Array.isArray(p.per_1k_ci) ? p.per_1k_ci : [p.per_1k, p.per_1k];
      return { v: Number(p.per_1k) || 0, lo: Number(ci[0]) || 0, hi: Number(ci[1]) || 0 };
    }
    var sci = Array.isArray(p.share_ci) ? p.share_ci : [p.share, p.share];
    return { v: (Number(p.share) || 0) * 100, lo: (Number(sci[0]) || 0) * 100, hi: (Number(sci[1]) || 0) * 100 };
  }

  function fmtMetric(v) {
    if (state.metric === 'per_1k') return v.toFixed(v < 1 ? 3 : 2);
    return v.toFixed(v < 10 ? 1 : 0) + '%';
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

  function fmtTick(v, step) {
    var d = 0;
    while (d < 4 && Math.abs(step * Math.pow(10, d) - Math.round(step * Math.pow(10, d))) > 1e-6) d++;
    return v.toFixed(d) + (state.metric === 'per_1k' ? '' : '%');
  }

  function drawChart() {
    var box = $('chart');
    clear(box);
    clear($('legend'));
    clear($('chart-table'));
    hideTooltip();
    var series = trendData && Array.isArray(trendData.series) ? trendData.series : [];
    var ys = years();
    if (!series.length || !ys.length) {
      box.appendChild(el('p', { className: 'empty', text: state.topics.length ? (trendData ? 'No data for these topics.' : '') : 'Add a topic to draw its trend.' }));
      $('chart-caption').textContent = '';
      return;
    }
    var width = Math.max(300, Math.round(box.clientWidth || 640));
    var height = width < 520 ? 260 : 340;
    var m = { l: 52, r: 16, t: 18, b: 40 };
    var iw = width - m.l - m.r, ih = height - m.t - m.b;
    var maxV = 0;
    series.forEach(function (s) {
      (s.points || []).forEach(function (p) {
        var mv = metricOf(p);
        maxV = Math.max(maxV, mv.v, mv.hi);
      });
    });
    var yMax = niceMax(maxV * 1.05);
    if (state.metric === 'share') yMax = Math.min(yMax, 100);
    /* Inset the first and last year so their points and labels are not
     * cut by the plot's edges. */
    var pad = Math.min(28, iw / 6);
    function x(year) {
      if (ys.length === 1) return m.l + iw / 2;
      return m.l + pad + ((iw - 2 * pad) * (year - ys[0])) / (ys[ys.length - 1] - ys[0]);
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
      className: 'chart-svg',
    });
    /* grid and axes */
    var grid = svg('g', { className: 'grid', 'aria-hidden': 'true' });
    for (var i = 0; i <= 4; i++) {
      var v = (yMax * i) / 4;
      var yy = y(v);
      grid.appendChild(svg('line', { x1: m.l, x2: width - m.r, y1: yy, y2: yy }));
      grid.appendChild(svg('text', { x: m.l - 6, y: yy + 4, 'text-anchor': 'end', className: 'tick',
                                     text: fmtTick(v, yMax / 4) }));
    }
    /* Label every year when they fit, else every other one. */
    var stepYears = iw / Math.max(1, ys.length) < 36 ? 2 : 1;
    ys.forEach(function (yr, idx) {
      if (idx % stepYears && idx !== ys.length - 1) return;
      grid.appendChild(svg('text', { x: x(yr), y: height - m.b + 18, 'text-anchor': 'middle',
                                     className: 'tick', text: String(yr) }));
    });
    grid.appendChild(svg('line', { className: 'axis', x1: m.l, x2: width - m.r, y1: y(0), y2: y(0) }));
    grid.appendChild(svg('text', { x: 12, y: m.t + ih / 2, className: 'axis-title', 'text-anchor': 'middle',
                                   transform: 'rotate(-90 12 ' + (m.t + ih / 2) + ')',
                                   text: state.metric === 'per_1k' ? 'per 1k words' : '% of documents' }));
    root.appendChild(grid);

    /* Points sit above every line and band; the pointer is matched to the
     * nearest point (within HIT_PX), so points of different series that
     * overlap stay reachable and a tap need not land on a 5 px dot.
     * Cost: a linear scan of years x topics points per mouse move. */
    var targets = [];
    var points = svg('g', { className: 'points' });
    series.forEach(function (s, si) {
      var color = COLORS[si % COLORS.length];
      var topic = str(s.topic || state.topics[si]);
      var pts = (s.points || []).filter(function (p) {
        return Number.isInteger(p.year);
      }).sort(function (a, b) {
        return a.year - b.year;
      });
      var g = svg('g', { className: 'series', 'data-topic': topic, 'data-index': si });
      /* confidence band: upper edge left to right, lower edge back */
      if (pts.length > 1) {
        var up = pts.map(function (p) {
          return x(p.year).toFixed(1) + ',' + y(metricOf(p).hi).toFixed(1);
        });
        var lo = pts.slice().reverse().map(function (p) {
          return x(p.year).toFixed(1) + ',' + y(metricOf(p).lo).toFixed(1);
        });
        g.appendChild(svg('path', { className: 'band', d: 'M' + up.join('L') + 'L' + lo.join('L') + 'Z',
                                    fill: color, 'aria-hidden': 'true' }));
        g.appendChild(svg('path', {
          className: 'line',
          d: 'M' + pts.map(function (p) {
            return x(p.year).toFixed(1) + ',' + y(metricOf(p).v).toFixed(1);
          }).join('L'),
          stroke: color,
          'stroke-dasharray': DASHES[si % DASHES.length] || null,
          'aria-hidden': 'true',
        }));
      } else if (pts.length === 1) {
        var p0 = pts[0], mv0 = metricOf(p0);
        g.appendChild(svg('line', { className: 'whisker', x1: x(p0.year), x2: x(p0.year), y1: y(mv0.lo),
                                    y2: y(mv0.hi), stroke: color, 'aria-hidden': 'true' }));
      }
      (s.bursts || []).forEach(function (b) {
        if (!b || !Number.isInteger(b.start) || !Number.isInteger(b.end)) return;
        var bx1 = x(Math.max(b.start, ys[0])), bx2 = x(Math.min(b.end, ys[ys.length - 1]));
        g.appendChild(svg('rect', { className: 'burst', x: Math.min(bx1, bx2) - 4, y: 2 + si * 4,
                                    width: Math.abs(bx2 - bx1) + 8, height: 3, fill: color },
                          svg('title', { text: topic + ': burst ' + b.start + '–' + b.end })));
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
          showTooltip(target);
        });
        pg.addEventListener('blur', hideTooltip);
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

      var legendItem = el('li', { className: 'legend-item' }, [
        legendSwatch(color, DASHES[si % DASHES.length]),
        el('span', { text: topic }),
      ]);
      if (s.query && str(s.query) !== topic) {
        legendItem.appendChild(el('span', { className: 'muted legend-query', text: str(s.query) }));
      }
      $('legend').appendChild(legendItem);
    });
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
      root.classList.remove('pointing');
      hideTooltip();
    });
    root.addEventListener('click', function (ev) {
      var tg = nearest(ev);
      if (tg) selectPoint(tg.si, tg.p, tg.topic);
    });
    box.appendChild(root);
    $('chart-caption').textContent = unit + ' per year' +
      (state.metric === 'share' ? ' (documents mentioning the topic ÷ all documents that year)' :
                                  ' (occurrences ÷ words indexed that year × 1,000)') +
      '. Bands: 95% confidence interval' +
      (trendData.meta && trendData.meta.ci && trendData.meta.ci.method ? ' (' + str(trendData.meta.ci.method) + ')' : '') +
      '. Hollow points: few documents.';
    drawTable(series, ys);
  }

  function legendSwatch(color, dash) {
    return svg('svg', { width: 28, height: 12, 'aria-hidden': 'true', className: 'legend-swatch' }, [
      svg('line', { x1: 1, x2: 27, y1: 6, y2: 6, stroke: color, 'stroke-width': 3,
                    'stroke-dasharray': dash || null }),
    ]);
  }

  function pointLabel(topic, p) {
    var docs = Number(p.docs) || 0, total = Number(p.docs_total) || 0;
    var share = ((Number(p.share) || 0) * 100).toFixed(1);
    var s = topic + ', ' + p.year + ': ' + nf.format(docs) + ' of ' + nf.format(total) + ' documents (' +
            share + '%), ' + nf.format(Number(p.mentions) || 0) + ' mentions, ' +
            (Number(p.per_1k) || 0).toFixed(3) + ' per 1,000 words';
    if (p.low_count) s += ', few documents';
    return s;
  }

  function showTooltip(tg) {
    var node = tg.node, topic = tg.topic, p = tg.p, color = tg.color;
    var tip = $('tooltip');
    clear(tip);
    var docs = Number(p.docs) || 0, total = Number(p.docs_total) || 0;
    var sci = Array.isArray(p.share_ci) ? p.share_ci : [0, 0];
    var pci = Array.isArray(p.per_1k_ci) ? p.per_1k_ci : [0, 0];
    tip.appendChild(el('p', { className: 'tip-title' }, [
      el('span', { className: 'swatch', style: 'background:' + color }), topic + ' — ' + p.year,
    ]));
    tip.appendChild(el('p', { text: nf.format(docs) + ' of ' + nf.format(total) + ' documents: ' +
                                    ((Number(p.share) || 0) * 100).toFixed(1) + '% (95% CI ' +
                                    (sci[0] * 100).toFixed(1) + '–' + (sci[1] * 100).toFixed(1) + '%)' }));
    tip.appendChild(el('p', { text: nf.format(Number(p.mentions) || 0) + ' mentions: ' +
                                    (Number(p.per_1k) || 0).toFixed(3) + ' per 1k words (CI ' +
                                    Number(pci[0]).toFixed(3) + '–' + Number(pci[1]).toFixed(3) + ')' }));
    if (p.low_count) tip.appendChild(el('p', { className: 'warn', text: 'Few documents: read with care.' }));
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
    var search = el('p', { className: 'more' }, el('a', {
      href: urlFor({ view: 'search', q: str(seriesQuery(si) || topic), year: String(p.year), kind: state.tkind,
                     track: '', page: 1 }),
      className: 'search-these',
      text: (docs > top.length ? 'All ' + nf.format(docs) + ' documents' : 'These documents') + ' in search',
    }));
    sec.appendChild(search);
    sec.hidden = false;
    $('point-heading').focus({ preventScroll: true });
    sec.scrollIntoView({ block: 'nearest' });
  }

  function seriesQuery(si) {
    var s = trendData && trendData.series && trendData.series[si];
    return s && typeof s.query === 'string' && s.query ? state.topics[si] || s.query : state.topics[si];
  }

  function drawTable(series, ys) {
    var box = $('chart-table');
    var table = el('table', { className: 'data-table' });
    table.appendChild(el('caption', { text: (state.metric === 'per_1k' ? 'Mentions per 1,000 words' :
                                              'Share of documents') + ' by year' }));
    var head = el('tr', null, el('th', { scope: 'col', text: 'Topic' }));
    ys.forEach(function (yr) {
      head.appendChild(el('th', { scope: 'col', text: String(yr) }));
    });
    table.appendChild(el('thead', null, head));
    var tb = el('tbody');
    series.forEach(function (s, si) {
      var tr = el('tr', null, el('th', { scope: 'row', text: str(s.topic || state.topics[si]) }));
      var byYear = {};
      (s.points || []).forEach(function (p) {
        byYear[p.year] = p;
      });
      ys.forEach(function (yr) {
        var p = byYear[yr];
        if (!p) {
          tr.appendChild(el('td', { text: '–' }));
          return;
        }
        var mv = metricOf(p);
        var cell = fmtMetric(mv.v);
        cell += state.metric === 'share' ? ' (' + (Number(p.docs) || 0) + '/' + (Number(p.docs_total) || 0) + ')'
                                         : ' (' + (Number(p.mentions) || 0) + ')';
        tr.appendChild(el('td', { text: cell }));
      });
      tb.appendChild(tr);
    });
    table.appendChild(tb);
    box.appendChild(table);
  }

  /* ---- rising / falling ---- */

  function fillYearSelects() {
    var ys = years();
    if (!ys.length) return;
    ['rising-from', 'rising-to'].forEach(function (id) {
      var sel = $(id);
      var prev = sel.value;
      clear(sel);
      ys.forEach(function (yr) {
        sel.appendChild(el('option', { value: String(yr), text: String(yr) }));
      });
      if (prev) sel.value = prev;
    });
    $('rising-from').value = state.from || String(ys[0]);
    $('rising-to').value = state.to || String(ys[ys.length - 1]);
  }

  function renderRising() {
    var ys = years();
    if (!ys.length) return;
    var from = state.from || String(ys[0]);
    var to = state.to || String(ys[ys.length - 1]);
    $('rising-from').value = from;
    $('rising-to').value = to;
    var key = from + '-' + to;
    if (loaded.rising === key) return;
    loaded.rising = key;
    if (from === to) {
      showError($('rising-error'), { status: 400, message: 'choose two different years.' });
      clear($('rising-list'));
      clear($('falling-list'));
      return;
    }
    api('rising', '/api/terms/rising?from=' + encodeURIComponent(from) + '&to=' + encodeURIComponent(to) +
                  '&limit=12').then(function (data) {
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
        addTopic(name);
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
      var t = input.value;
      input.value = '';
      addTopic(t);
      input.focus();
    });
    $('topic-input').addEventListener('keydown', function (ev) {
      var input = $('topic-input');
      if (ev.key === 'Backspace' && !input.value && state.topics.length) {
        ev.preventDefault();
        var t = state.topics.slice(0, -1);
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
