#!/usr/bin/env node
// The page in a real browser: Debian's chromium driven by playwright-core.
//
//   node test_page.mjs PATH/TO/plumbline
//
// Indexes the bundled corpus plus one record whose text carries live-looking
// markup, starts `plumbline serve --port 0`, and walks the page: search,
// facets, paging, a document, did-you-mean, errors, trends with three topics,
// tooltips, a point's talks, rising terms, URL round trips and back/forward.
// Prints TAP.  Skips (1..0 # SKIP) when playwright-core or chromium is not
// installed.  Screenshots go to tests/browser/artifacts/.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env.PLUMBLINE_CHROMIUM || '/usr/bin/chromium';
const pwPath = path.join(here, 'node_modules', 'playwright-core', 'index.mjs');

if (!fs.existsSync(pwPath)) {
  console.log('1..0 # SKIP playwright-core not installed (run npm ci in tests/browser)');
  process.exit(0);
}
if (!fs.existsSync(CHROMIUM)) {
  console.log('1..0 # SKIP no chromium at ' + CHROMIUM);
  process.exit(0);
}
const exe = process.argv[2];
if (!exe || !fs.existsSync(exe)) {
  console.log('Bail out! usage: test_page.mjs PATH/TO/plumbline');
  process.exit(1);
}
const { chromium } = await import(pathToFileURL(pwPath).href);

const sourceRoot = process.env.PLUMBLINE_SOURCE_ROOT || path.resolve(here, '..', '..');
const corpusDir = process.env.PLUMBLINE_CORPUS || path.join(sourceRoot, 'corpus');
const corpusFiles = ['lpc2019-schedule.txt', 'lpc2023-blog.txt', 'lpc2024-mcs.txt'].map((f) =>
  path.join(corpusDir, f));
const artifacts = path.join(here, 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });

// A record whose title, people and body look like live HTML.  A word no
// other document has (zanzibarquux) finds it.
const HOSTILE_BODY =
  'Zanzibarquux sandboxing notes. <script>window.__pwned = "script";</script> ' +
  'and an image <img src=x onerror="window.__pwned = \'img\'"> plus ' +
  '<a href="javascript:window.__pwned=\'link\'">a link</a> & an ampersand. ' +
  'Unicode before the mark: café ünïcödé — zanzibarquux again.';
const HOSTILE = {
  schema: 1,
  id: '2024-talk-zanzibarquux-markup-0badc0de',
  year: 2024,
  kind: 'talk',
  title: 'Zanzibarquux <img src=x onerror="window.__pwned=\'title\'"> in titles',
  body: HOSTILE_BODY,
  people: ['Eve <b>Bold</b>'],
  track: 'Refereed Track',
  day: '2024-09-19',
  start: '10:00',
  duration_min: 45,
  url: '',
};

// ---- TAP -----------------------------------------------------------------
let n = 0;
let failed = 0;
async function t(name, fn) {
  n++;
  try {
    await fn();
    console.log(`ok ${n} - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${n} - ${name}`);
    for (const line of String((e && e.stack) || e).split('\n').slice(0, 6)) console.log('# ' + line);
  }
}
function assert(cond, msg) {
  if (!cond) throw new Error(msg || 'assertion failed');
}
function eq(a, b, msg) {
  const ja = JSON.stringify(a), jb = JSON.stringify(b);
  if (ja !== jb) throw new Error(`${msg || 'not equal'}: got ${ja}, want ${jb}`);
}

// ---- the server ------------------------------------------------------------
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'plumbline-browser-'));
const dbDir = path.join(tmp, 'db');
const extra = path.join(tmp, 'extra.jsonl');
fs.writeFileSync(extra, JSON.stringify(HOSTILE) + '\n');
let server = null;
let browser = null;
let base = '';

function startServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn(exe, ['serve', '--db', dbDir, '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => reject(new Error('no port printed within 15 s: ' + out)), 15000);
    const onData = (buf) => {
      out += buf.toString();
      const m = /https?:\/\/[^\s/]*:(\d+)/.exec(out) || /\bport\D{0,3}(\d{2,5})\b/i.exec(out) ||
                /^\s*(\d{2,5})\s*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout.removeAllListeners('data');
        proc.stderr.removeAllListeners('data');
        proc.stdout.resume();
        proc.stderr.resume();
        resolve({ proc, port: Number(m[1]) });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => reject(new Error('serve exited early with ' + code + ': ' + out)));
  });
}

function cleanup() {
  if (server && server.exitCode === null) server.kill('SIGTERM');
  fs.rmSync(tmp, { recursive: true, force: true });
}

async function main() {
  const idx = spawnSync(exe, ['index', '--db', dbDir, ...corpusFiles, extra], {
    encoding: 'utf8',
    timeout: 120000,
  });
  await t('plumbline index builds the corpus plus the markup record', () => {
    assert(idx.status === 0, `exit ${idx.status}: ${idx.stderr}`);
  });
  if (idx.status !== 0) return;
  let port = 0;
  await t('plumbline serve --port 0 prints its port', async () => {
    const s = await startServer();
    server = s.proc;
    port = s.port;
    assert(port > 0, 'port');
  });
  if (!port) return;
  base = `http://127.0.0.1:${port}/`;

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.setDefaultTimeout(10000);
  const pageErrors = [];
  const dialogs = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    // A failed fetch logs a resource error; those are expected in the
    // error tests and checked there.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(m.text());
  });
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  const api = (p) => page.evaluate(async (u) => {
    const r = await fetch(u);
    return { status: r.status, body: await r.json() };
  }, p);
  const params = () => new URL(page.url()).searchParams;
  const hitIds = () => page.$$eval('#results .hit', (els) => els.map((e) => e.dataset.id));
  const shot = (name) => page.screenshot({ path: path.join(artifacts, name + '.png'), fullPage: true });

  await t('GET / serves the page with its script and styles', async () => {
    const res = await page.goto(base);
    eq(res.status(), 200, 'status');
    await page.waitForSelector('#q');
    eq(await page.getAttribute('#tab-search', 'aria-current'), 'page', 'search tab current');
    const bg = await page.$eval('.top', (e) => getComputedStyle(e).display);
    eq(bg, 'flex', 'style.css applied');
  });

  // ---- search ----
  const QUERY = 'bpf';
  let expected = null;
  await t('typing a query shows ranked hits with highlighted terms', async () => {
    await page.click('#q');
    await page.keyboard.type(QUERY, { delay: 40 });
    await page.waitForSelector('#results .hit');
    await page.waitForFunction((q) => new URL(location.href).searchParams.get('q') === q, QUERY);
    expected = (await api('/api/search?q=' + QUERY + '&limit=10&offset=0&sort=relevance')).body;
    assert(expected.total > 0, 'the corpus mentions BPF');
    eq(await hitIds(), expected.hits.map((h) => h.id), 'page order is the ranking order');
    const titles = await page.$$eval('#results .hit-title a', (els) => els.map((e) => e.textContent));
    eq(titles, expected.hits.map((h) => h.title), 'titles as text');
    const marks = await page.$$eval('#results .snippet mark', (els) => els.map((e) => e.textContent));
    assert(marks.length > 0, 'some highlighted terms');
    assert(marks.some((m) => /bpf/i.test(m)), 'a mark holds the query term: ' + marks.join('|'));
    const summary = await page.textContent('#results-summary');
    assert(summary.includes(new Intl.NumberFormat('en').format(expected.total)), 'total in summary: ' + summary);
  });

  // The plain snippet and its byte spans, as the API gives them: snippet_text
  // with [{start,end}], or snippet (text) beside snippet_html with [[s,e]].
  const plain = (h) => (typeof h.snippet_text === 'string' ? h.snippet_text : h.snippet);
  const spans = (h) => (h.highlights || []).map((s) => (Array.isArray(s) ? s : [s.start, s.end]));
  await t('each mark covers exactly the highlight bytes of the snippet', async () => {
    const h = expected.hits.find((x) => spans(x).length);
    assert(h, 'a hit with highlights');
    const bytes = Buffer.from(plain(h), 'utf8');
    const want = spans(h).map(([s, e]) => bytes.subarray(s, e).toString('utf8'));
    assert(want.some((w) => /bpf/i.test(w)), 'the API highlights the query term: ' + want.join('|'));
    const got = await page.$$eval(`#results .hit[data-id="${h.id}"] .snippet mark`, (els) =>
      els.map((e) => e.textContent));
    // Adjacent or overlapping spans are merged by the page.
    eq(got.join(''), want.join(''), 'marked text');
    const text = await page.textContent(`#results .hit[data-id="${h.id}"] .snippet`);
    eq(text, plain(h), 'snippet text intact');
  });

  await t('hit titles mark the query words from title_highlights, and stay links', async () => {
    const marked = expected.hits.filter((x) => (x.title_highlights || []).length);
    assert(marked.length > 0, 'the API marks some title for ' + QUERY);
    for (const h of expected.hits) {
      const bytes = Buffer.from(h.title, 'utf8');
      const want = (h.title_highlights || []).map((s) => bytes.subarray(s.start, s.end).toString('utf8'));
      assert(want.every((w) => /^bpf$/i.test(w)), 'the API marks the query word: ' + want.join('|'));
      const sel = `#results .hit[data-id="${h.id}"] .hit-title a`;
      const got = await page.$$eval(sel + ' mark', (els) => els.map((e) => e.textContent));
      eq(got, want, 'title marks of ' + h.id);
      eq(await page.textContent(sel), h.title, 'title text intact');
      eq(await page.getAttribute(sel, 'data-doc'), h.id, 'still the document link');
    }
  });
  await shot('search-wide');

  await t('a year facet filters the hits and lands in the URL', async () => {
    // The facet shape is {"2019": n, ...}; an array of {value, count} is read too.
    const fy = expected.facets.year || {};
    const years = Array.isArray(fy) ? fy.map((f) => [String(f.value), f.count]) : Object.entries(fy);
    assert(years.length > 0, 'year facet counts');
    years.sort((a, b) => a[1] - b[1]);
    const [year, count] = years[0];
    await page.click(`#facet-groups button[data-facet="year"][data-value="${year}"]`);
    await page.waitForFunction((y) => new URL(location.href).searchParams.get('year') === y, year);
    await page.waitForFunction(() => !document.querySelector('#results[aria-busy]'));
    await page.waitForFunction((y) => {
      const tags = [...document.querySelectorAll('#results .hit .tag.year')];
      return tags.length > 0 && tags.every((e) => e.textContent === y);
    }, year);
    eq(await page.getAttribute(`#facet-groups button[data-facet="year"][data-value="${year}"]`,
      'aria-pressed'), 'true', 'pressed');
    const filtered = (await api(`/api/search?q=${QUERY}&limit=10&offset=0&sort=relevance&year=${year}`)).body;
    eq(filtered.total, count, 'facet count is the filtered total');
    eq(await hitIds(), filtered.hits.map((h) => h.id), 'filtered hits');
  });

  let docId = '', docTitle = '';
  await t('opening a hit shows the full text and similar talks', async () => {
    const first = await page.$('#results .hit');
    docId = await first.getAttribute('data-id');
    docTitle = await first.$eval('.hit-title a', (e) => e.textContent);
    await first.$eval('.hit-title a', (e) => e.click());
    await page.waitForFunction((id) => new URL(location.href).searchParams.get('doc') === id, docId);
    await page.waitForFunction((tt) => document.querySelector('#doc-title').textContent === tt, docTitle);
    const doc = (await api('/api/docs/' + encodeURIComponent(docId))).body;
    const body = await page.textContent('#doc-body');
    const norm = (s) => s.replace(/\s+/g, ' ').trim();
    eq(norm(body), norm(doc.body) || 'This record has no description.', 'full body as text');
    await page.waitForSelector('#similar li');
    const sim = (await api('/api/docs/' + encodeURIComponent(docId) + '/similar?limit=8')).body;
    const simIds = await page.$$eval('#similar .hit', (els) => els.map((e) => e.dataset.id));
    eq(simIds, sim.hits.map((h) => h.id), 'similar list');
  });
  await shot('doc');

  await t('browser back returns to the filtered results', async () => {
    await page.goBack();
    await page.waitForSelector('#view-search:not([hidden])');
    assert(params().get('year'), 'year filter kept');
    eq(params().get('q'), QUERY, 'query kept');
    await page.waitForSelector('#results .hit');
    eq(await page.inputValue('#q'), QUERY, 'box shows the query');
  });

  await t('forward and Escape: doc view again, Escape goes back', async () => {
    await page.goForward();
    await page.waitForFunction((tt) => document.querySelector('#doc-title').textContent === tt, docTitle);
    await page.keyboard.press('Escape');
    await page.waitForSelector('#view-search:not([hidden])');
    eq(params().get('view'), null, 'search view');
  });

  await t('reload restores query, filter and results from the URL', async () => {
    const before = await hitIds();
    const url = page.url();
    await page.reload();
    await page.waitForSelector('#results .hit');
    eq(page.url(), url, 'same URL');
    eq(await page.inputValue('#q'), QUERY, 'query box');
    eq(await hitIds(), before, 'same hits');
    const pressed = await page.$$eval('#facet-groups button[aria-pressed="true"]', (els) => els.length);
    eq(pressed, 1, 'one active facet');
  });

  await t('removing the filter and paging through results', async () => {
    await page.click('#active-filters .active-filter');
    await page.waitForFunction(() => !new URL(location.href).searchParams.get('year'));
    await page.waitForFunction((ids) => {
      const got = [...document.querySelectorAll('#results .hit')].map((e) => e.dataset.id);
      return JSON.stringify(got) === JSON.stringify(ids);
    }, expected.hits.map((h) => h.id));
    if (expected.total > 10) {
      await page.click('#next-page');
      await page.waitForFunction(() => new URL(location.href).searchParams.get('page') === '2');
      const p2 = (await api(`/api/search?q=${QUERY}&limit=10&offset=10&sort=relevance`)).body;
      await page.waitForFunction((ids) => {
        const got = [...document.querySelectorAll('#results .hit')].map((e) => e.dataset.id);
        return JSON.stringify(got) === JSON.stringify(ids);
      }, p2.hits.map((h) => h.id));
      eq(await page.textContent('#page-info'), `Page 2 of ${Math.ceil(expected.total / 10)}`, 'page info');
    }
  });

  await t('a record holding <script> and <img onerror> renders inert as text', async () => {
    await page.fill('#q', 'zanzibarquux');
    await page.press('#q', 'Enter');
    await page.waitForSelector(`#results .hit[data-id="${HOSTILE.id}"]`);
    const hit = `#results .hit[data-id="${HOSTILE.id}"]`;
    eq(await page.textContent(hit + ' .hit-title a'), HOSTILE.title, 'title shown as text');
    // the marked title is built from text too: a <mark> and text nodes only
    const kids = await page.$eval(hit + ' .hit-title a', (a) =>
      [...a.childNodes].map((c) => (c.nodeType === 3 ? '#text' : c.nodeName + ':' + c.textContent)));
    eq(kids, ['MARK:Zanzibarquux', '#text'], 'title children');
    const people = await page.textContent(hit + ' .hit-people');
    assert(people.includes('Eve <b>Bold</b>'), 'people as text: ' + people);
    const snippet = await page.textContent(hit + ' .snippet');
    assert(/<script>|<img src=x/.test(snippet), 'markup visible as characters: ' + snippet);
    const marks = await page.$$eval(hit + ' .snippet mark', (els) => els.map((e) => e.textContent.toLowerCase()));
    assert(marks.includes('zanzibarquux'), 'the term is marked: ' + marks.join('|'));
    const els = await page.$$eval('main img, main script, main b, main a[href^="javascript"]', (e) => e.length);
    eq(els, 0, 'no element created from archive text');
    await page.click(hit + ' .hit-title a');
    await page.waitForFunction((tt) => document.querySelector('#doc-title').textContent === tt, HOSTILE.title);
    const body = await page.textContent('#doc-body');
    assert(body.includes('<script>window.__pwned = "script";</script>'), 'script as text');
    assert(body.includes('<img src=x onerror='), 'img as text');
    assert(body.includes('café ünïcödé'), 'unicode intact');
    await page.waitForTimeout(300);
    eq(await page.$$eval('main img, main script, main b', (e) => e.length), 0, 'nothing created in doc');
    eq(await page.evaluate(() => window.__pwned), undefined, 'nothing ran');
    eq(dialogs, [], 'no dialog');
  });
  await shot('inert-markup');
  await page.goBack();

  await t('a malformed query shows the server\'s message', async () => {
    const bad = '"unbalanced phrase';
    const res = await api('/api/search?q=' + encodeURIComponent(bad));
    eq(res.status, 400, 'server answers 400');
    await page.fill('#q', bad);
    await page.press('#q', 'Enter');
    await page.waitForSelector('#search-error:not([hidden])');
    const msg = await page.textContent('#search-error');
    assert(msg.includes(res.body.error.message), `message shown: ${msg}`);
    eq(await page.$$eval('#results .hit', (e) => e.length), 0, 'no stale hits');
  });
  await shot('query-error');

  await t('did-you-mean offers a clickable correction when the server has one', async () => {
    // A misspelling of a common corpus word; the server decides.
    const typo = 'kernal';
    const res = (await api('/api/search?q=' + typo)).body;
    await page.fill('#q', typo);
    await page.press('#q', 'Enter');
    await page.waitForFunction(() => !document.querySelector('#results[aria-busy]') &&
      document.querySelector('#results-summary').textContent.includes('kernal'));
    if (!res.suggestion) {
      eq(await page.isVisible('#did-you-mean'), false, 'hidden without a suggestion');
      return;
    }
    await page.waitForSelector('#did-you-mean:not([hidden])');
    eq(await page.textContent('#dym-button'), res.suggestion, 'suggestion text');
    await page.click('#dym-button');
    await page.waitForFunction((s) => new URL(location.href).searchParams.get('q') === s, res.suggestion);
    eq(await page.inputValue('#q'), res.suggestion, 'box updated');
  });

  await t('a relaxed query says so above the results; bpf does not', async () => {
    const summaryHas = (w) => page.waitForFunction((x) => !document.querySelector('#results[aria-busy]') &&
      document.querySelector('#results-summary').textContent.includes(x), w);
    const q = 'security LSM landlock';
    const res = (await api('/api/search?q=' + encodeURIComponent(q))).body;
    eq([res.relaxed, res.all_words], [true, 0], 'the API relaxes it; no document has every word');
    await page.goto(base + '?q=' + encodeURIComponent(q));
    await summaryHas(q);
    await page.waitForSelector('#relaxed-note:not([hidden])');
    eq(await page.textContent('#relaxed-note'),
      'No document has all of the words; showing those with most of them.', 'note text');
    const above = await page.$eval('#relaxed-note', (n) =>
      (n.compareDocumentPosition(document.querySelector('#results')) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0);
    assert(above, 'the note comes before the hits');
    // some documents have every word: the note says how many
    const q2 = 'rust kernel';
    const res2 = (await api('/api/search?q=' + encodeURIComponent(q2))).body;
    assert(res2.relaxed === true && res2.all_words > 1 && res2.all_words < res2.total,
      'rust kernel is relaxed with some documents having both words: ' + JSON.stringify([res2.relaxed, res2.all_words, res2.total]));
    await page.goto(base + '?q=' + encodeURIComponent(q2));
    await summaryHas(q2);
    await page.waitForSelector('#relaxed-note:not([hidden])');
    eq(await page.textContent('#relaxed-note'), `Only ${res2.all_words} documents have all of the words ` +
      '(listed first); the others have some of them.', 'note with the count');
    await shot('relaxed-note');
    const plain = (await api('/api/search?q=bpf')).body;
    eq([plain.relaxed, 'all_words' in plain], [false, false], 'bpf is not relaxed');
    await page.goto(base + '?q=bpf');
    await summaryHas('bpf');
    eq(await page.isVisible('#relaxed-note'), false, 'no note for bpf');
  });

  // ---- pages past the end, the summary, the facet panel, the footnote, the icon ----
  await t('a page past the last one shows the last page, not an empty "Page 99 of 2"', async () => {
    const total = (await api('/api/search?q=' + QUERY + '&limit=10')).body.total;
    const last = Math.ceil(total / 10);
    const want = (await api(`/api/search?q=${QUERY}&limit=10&offset=${(last - 1) * 10}&sort=relevance`)).body;
    for (const asked of [99, 5000]) {
      await page.goto(base + `?q=${QUERY}&page=${asked}`);
      await page.waitForFunction((p) => new URL(location.href).searchParams.get('page') === p,
        last > 1 ? String(last) : null);
      await page.waitForFunction((ids) => {
        const got = [...document.querySelectorAll('#results .hit')].map((e) => e.dataset.id);
        return JSON.stringify(got) === JSON.stringify(ids);
      }, want.hits.map((h) => h.id));
      if (last > 1) {
        eq(await page.textContent('#page-info'), `Page ${last} of ${last}`, `page info after page=${asked}`);
        eq(await page.isDisabled('#next-page'), true, 'Next disabled on the last page');
      }
    }
    // The clamped entry replaced the bad one: Back leaves the query.
    await page.goto(base + '?view=trends');
    await page.goto(base + `?q=${QUERY}&page=99`);
    await page.waitForSelector('#results .hit');
    await page.goBack();
    await page.waitForSelector('#view-trends:not([hidden])');
  });

  await t('the summary shows a phrase query with its own quotes only', async () => {
    const phrase = '"confidential computing"';
    await page.goto(base + '?q=' + encodeURIComponent(phrase));
    await page.waitForSelector('#results .hit');
    const summary = await page.textContent('#results-summary');
    assert(summary.includes(' for ' + phrase + ','), 'query shown as typed: ' + summary);
    assert(!/[“”]/.test(summary), 'no added quotation marks: ' + summary);
    eq(await page.textContent('#results-summary .query-echo'), phrase, 'the query is set apart');
  });

  await t('"Filter results" shows only when there are facets to filter by', async () => {
    assert(await page.isVisible('#facets .facets-title'), 'visible beside hits');
    await page.fill('#q', 'zzqxnothingmatches');
    await page.press('#q', 'Enter');
    await page.waitForFunction(() => /^No results for/.test(document.querySelector('#results-summary').textContent));
    eq(await page.isVisible('#facets'), false, 'hidden without results');
    await page.fill('#q', '"unbalanced');
    await page.press('#q', 'Enter');
    await page.waitForSelector('#search-error:not([hidden])');
    eq(await page.isVisible('#facets'), false, 'hidden beside an error');
    await page.goto(base + '?q=zzqxnothingmatches&year=2019');
    await page.waitForFunction(() => /^No results for/.test(document.querySelector('#results-summary').textContent));
    assert(await page.isVisible('#active-filters .active-filter'), 'an active filter stays removable');
    await page.goto(base);
    await page.waitForFunction(() => /Type a word/.test(document.querySelector('#results-summary').textContent));
    eq(await page.isVisible('#facets'), false, 'hidden before a query');
    const x = await page.$eval('.results-col', (e) => e.getBoundingClientRect().x);
    assert(x > 200, 'the results keep their column: x=' + x);
  });

  await t('the chart footnote appears on the trends view only', async () => {
    const foot = 'text=shaded bands are 95% confidence intervals';
    await page.goto(base + '?q=' + QUERY);
    await page.waitForSelector('#results .hit');
    eq(await page.isVisible(foot), false, 'not under search results');
    await page.click('#results .hit-title a');
    await page.waitForSelector('#view-doc:not([hidden])');
    eq(await page.isVisible(foot), false, 'not under a document');
    await page.click('#tab-trends');
    await page.waitForSelector('#view-trends:not([hidden])');
    eq(await page.isVisible(foot), true, 'under the chart');
  });

  await t('an embedded icon: link rel=icon and /favicon.ico answer, no 404 on a page load', async () => {
    const bad = [];
    const onResponse = (r) => {
      if (r.status() >= 400) bad.push(r.status() + ' ' + r.url());
    };
    page.on('response', onResponse);
    await page.goto(base + '?q=' + QUERY);
    await page.waitForSelector('#results .hit');
    const href = await page.$eval('link[rel=icon]', (e) => e.href);
    const icon = await page.evaluate(async (u) => {
      const r = await fetch(u);
      return { status: r.status, type: r.headers.get('content-type'), text: await r.text() };
    }, href);
    const ico = await page.evaluate(async () => {
      const r = await fetch('/favicon.ico');
      return { status: r.status, type: r.headers.get('content-type') };
    });
    page.off('response', onResponse);
    eq(icon.status, 200, 'icon status');
    assert(/^image\/svg\+xml/.test(icon.type) && icon.text.startsWith('<svg'), 'an SVG: ' + icon.type);
    assert(ico.status === 200 || ico.status === 204, '/favicon.ico answers: ' + ico.status);
    eq(bad, [], 'no failed request');
  });

  // ---- trends ----
  let trend = null;
  await t('three topics entered as chips give three series, one point per year', async () => {
    await page.goto(base + '?view=trends&topic=');
    await page.waitForSelector('#view-trends:not([hidden])');
    eq(await page.$$eval('#topic-chips .chip', (e) => e.length), 0, 'starts empty');
    // Each topic is checked by the API before it is added: typed in quick
    // succession they are added in order.
    for (const topic of ['BPF', 'Rust', 'CXL']) {
      await page.fill('#topic-input', topic);
      await page.press('#topic-input', 'Enter');
    }
    await page.waitForFunction(() => document.querySelectorAll('#topic-chips .chip').length === 3);
    eq(await page.$$eval('#topic-chips .chip-text', (e) => e.map((x) => x.textContent)), ['BPF', 'Rust', 'CXL'],
      'chips');
    eq(params().getAll('topic'), [], 'the default three topics need no parameters');
    trend = (await api('/api/trends?topic=BPF&topic=Rust&topic=CXL')).body;
    const years = trend.totals.map((x) => x.year);
    assert(years.includes(2019) && years.includes(2024), 'corpus years: ' + years);
    await page.waitForFunction(() => document.querySelectorAll('#chart .series').length === 3);
    for (const [i, topic] of ['BPF', 'Rust', 'CXL'].entries()) {
      const ys = await page.$$eval(`#chart .pt[data-index="${i}"]`, (els) =>
        els.map((e) => Number(e.dataset.year)));
      eq(ys, years, `${topic}: one point per year`);
    }
    const lines = await page.$$eval('#chart .series path.line', (e) => e.length);
    eq(lines, years.length > 1 ? 3 : 0, 'a line per series');
    eq(await page.$$eval('#legend .legend-item', (e) => e.length), 3, 'legend');
  });
  await shot('trends');

  // The page's precision: percentages with one decimal, per-1k rates with
  // three significant digits.
  const pct1 = (share) => (share * 100).toFixed(1) + '%';
  const sig3 = (v) => (v === 0 ? '0' : v.toPrecision(3));
  const chartReady = (k) => page.waitForFunction((k) =>
    document.querySelectorAll('#chart .series').length === k && !document.querySelector('#chart[aria-busy]'), k);

  // The BPF point with documents that stands furthest from other series'
  // points, so the pointer is unambiguous; the page matches the pointer to
  // the nearest point.
  let bpf = null;
  const pickPoint = async () => {
    const centers = await page.$$eval('#chart .pt', (els) => els.map((e) => {
      const r = e.querySelector('.dot').getBoundingClientRect();
      return { topic: e.dataset.topic, year: Number(e.dataset.year), x: r.x + r.width / 2, y: r.y + r.height / 2 };
    }));
    let best = null;
    for (const c of centers.filter((c) => c.topic === 'BPF')) {
      const p = trend.series[0].points.find((q) => q.year === c.year);
      if (!p || p.docs === 0) continue;
      const d = Math.min(...centers.filter((o) => o.topic !== 'BPF').map((o) => Math.hypot(o.x - c.x, o.y - c.y)));
      if (!best || d > best.d) best = { ...c, d, p };
    }
    assert(best, 'BPF has a point with documents');
    return best;
  };

  await t('hovering a point shows a tooltip with its counts', async () => {
    bpf = await pickPoint();
    const p = bpf.p;
    await page.mouse.move(bpf.x + 3, bpf.y - 2);
    await page.waitForSelector('#tooltip:not([hidden])');
    const text = await page.textContent('#tooltip');
    assert(text.startsWith(`BPF — ${p.year}`), 'which point: ' + text);
    assert(text.includes(`${p.docs} of ${new Intl.NumberFormat('en').format(p.docs_total)} documents`),
      'counts: ' + text);
    const label = await page.getAttribute(`#chart .pt[data-index="0"][data-year="${p.year}"]`,
      'aria-label');
    assert(label.startsWith(`BPF, ${p.year}: ${p.docs} of`), 'accessible label: ' + label);
  });
  await shot('trends-tooltip');

  await t('clicking a point lists the talks behind it', async () => {
    const p = bpf.p;
    assert(p.top.length > 0, 'top documents for the point');
    await page.mouse.click(bpf.x, bpf.y);
    await page.waitForSelector('#point-talks:not([hidden])');
    const heading = await page.textContent('#point-heading');
    assert(heading.startsWith(`BPF in ${p.year}: ${p.docs} document`), 'heading: ' + heading);
    const ids = await page.$$eval('#point-list .hit', (e) => e.map((x) => x.dataset.id));
    eq(ids, p.top.map((d) => d.id), 'the point\'s top documents');
    const titles = await page.$$eval('#point-list .hit-title a', (e) => e.map((x) => x.textContent));
    eq(titles, p.top.map((d) => d.title), 'titles');
  });
  await shot('trends-point');

  await t('keyboard: Tab reaches a point, Enter opens its talks', async () => {
    await page.focus('#trend-kind');
    // Tab from the last control before the chart reaches the first point.
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement.getAttribute('class'));
    assert(/\bpt\b/.test(focused || ''), 'focus on a point: ' + focused);
    const year = await page.evaluate(() => document.activeElement.dataset.year);
    await page.keyboard.press('Enter');
    await page.waitForFunction((y) => document.querySelector('#point-heading').textContent.includes(` in ${y}:`),
      year);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert(outline !== undefined, 'focus style computed');
  });

  await t('the per-1k toggle redraws the chart and is kept in the URL', async () => {
    const before = await page.$$eval('#chart .tick', (e) => e.map((x) => x.textContent));
    assert(before.some((x) => x.endsWith('%')), 'share ticks in %');
    await page.check('input[name=metric][value=per_1k]');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('metric') === 'per_1k');
    const after = await page.$$eval('#chart .tick', (e) => e.map((x) => x.textContent));
    assert(!after.some((x) => x.endsWith('%')), 'per-1k ticks: ' + after.join(' '));
    const p = trend.series[1].points[0];
    const label = await page.getAttribute(`#chart .pt[data-index="1"][data-year="${p.year}"]`,
      'aria-label');
    assert(label.includes(`${sig3(p.per_1k)} per 1,000 words`), 'label carries per_1k: ' + label);
  });

  await t('trends state survives a reload; back restores the share view', async () => {
    await page.fill('#topic-input', 'scheduler');
    await page.press('#topic-input', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('#chart .series').length === 4);
    eq(params().getAll('topic'), ['BPF', 'Rust', 'CXL', 'scheduler'], 'topics in URL');
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('#chart .series').length === 4);
    eq(await page.$$eval('#topic-chips .chip-text', (e) => e.map((x) => x.textContent)),
      ['BPF', 'Rust', 'CXL', 'scheduler'], 'chips after reload');
    eq(await page.isChecked('input[name=metric][value=per_1k]'), true, 'measure after reload');
    await page.goBack();
    await page.waitForFunction(() => document.querySelectorAll('#chart .series').length === 3);
    eq(await page.isChecked('input[name=metric][value=per_1k]'), true, 'still per 1k');
    await page.goBack();
    await page.waitForFunction(() => document.querySelector('input[name=metric][value=share]').checked);
    eq(params().get('metric'), null, 'share is the default');
  });

  await t('rising and falling terms between the first and last year', async () => {
    const years = trend.totals.map((x) => x.year);
    const res = await api(`/api/terms/rising?from=${years[0]}&to=${years[years.length - 1]}&limit=12`);
    eq(res.status, 200, 'endpoint answers');
    const want = (res.body.rising || []).map((x) => x.display || x.term);
    await page.waitForFunction((k) => document.querySelectorAll('#rising-list .term-name').length === k ||
      (k === 0 && document.querySelector('#rising-list .empty')), want.length);
    eq(await page.$$eval('#rising-list .term-name', (e) => e.map((x) => x.textContent)), want, 'rising terms');
    const fall = (res.body.falling || []).map((x) => x.display || x.term);
    eq(await page.$$eval('#falling-list .term-name', (e) => e.map((x) => x.textContent)), fall, 'falling terms');
  });
  await shot('trends-rising');

  // ---- trends: years without documents, intervals, topics that fail ----
  const tableCells = (year) => page.$$eval('#chart-table table', (tables, yr) => {
    const t = tables[0];
    const ci = [...t.querySelectorAll('thead th')].map((x) => x.textContent).indexOf(String(yr));
    return [...t.querySelectorAll('tbody tr')].map((r) => ({
      text: r.children[ci].firstChild.textContent,
      title: r.children[ci].getAttribute('title') || '',
    }));
  }, year);

  await t('a year without documents of the kind: no point, no stretched axis, – in the table', async () => {
    const want = (await api('/api/trends?topic=BPF&topic=Rust&topic=CXL&kind=mc')).body;
    const empty = want.totals.filter((x) => x.docs === 0).map((x) => x.year);
    assert(empty.length > 0, 'a year without microconferences: ' + JSON.stringify(want.totals));
    await page.goto(base + '?view=trends&tkind=mc');
    await chartReady(3);
    const drawn = await page.$$eval('#chart .pt', (e) => e.map((x) => Number(x.dataset.year)));
    assert(drawn.length > 0, 'the years with microconferences are drawn');
    for (const yr of empty) {
      assert(!drawn.includes(yr), `no point in ${yr}: ${drawn}`);
      for (const c of await tableCells(yr)) {
        eq(c.text, '–', `table cell for ${yr}`);
        assert(/no documents of this kind/.test(c.title), 'cell says why: ' + c.title);
      }
    }
    const ticks = await page.$$eval('#chart .tick', (e) => e.map((x) => x.textContent));
    assert(!ticks.includes('100%'), 'the empty year does not stretch the axis: ' + ticks.join(' '));
    const caption = await page.textContent('#chart-caption');
    assert(caption.includes('no microconferences in ' + empty.join(' and ')), 'caption: ' + caption);
  });
  await shot('trends-kind-mc');

  await t('a point without matching documents offers no search for them', async () => {
    await page.goto(base + '?view=trends');
    await chartReady(3);
    let zero = null;
    trend.series.forEach((s, si) => s.points.forEach((p) => {
      if (!zero && p.docs === 0 && p.docs_total > 0) zero = { si, year: p.year };
    }));
    assert(zero, 'a topic absent one year');
    await page.focus(`#chart .pt[data-index="${zero.si}"][data-year="${zero.year}"]`);
    await page.keyboard.press('Enter');
    await page.waitForSelector('#point-talks:not([hidden])');
    eq(await page.$$eval('#point-talks .search-these', (e) => e.length), 0, 'no link to an empty search');
  });

  await t('the new API shape: null rates and no_docs, warnings, an unknown upper bound, bursts', async () => {
    const real = (await api('/api/trends?topic=BPF&topic=Rust&kind=mc')).body;
    const fake = JSON.parse(JSON.stringify(real));
    const empty = [];
    for (const s of fake.series) {
      for (const p of s.points) {
        if (p.docs_total !== 0) continue;
        Object.assign(p, { share: null, share_ci: null, per_1k: null, per_1k_ci: null, no_docs: true });
        if (!empty.includes(p.year)) empty.push(p.year);
      }
    }
    assert(empty.length, 'an empty year to null');
    const open = fake.series[0].points.find((p) => !p.no_docs && p.mentions > 0);
    open.per_1k_ci = [open.per_1k_ci[0], null];
    fake.meta.warnings = ['Rust: a warning from the server'];
    const years = fake.totals.map((x) => x.year);
    fake.series[1].bursts = [{ topic: 'Rust', start: years[years.length - 2], end: years[years.length - 1],
      weight: 3.5 }];
    const route = /\/api\/trends\?topic=BPF&topic=Rust&kind=mc$/;
    await page.route(route, (r) => r.fulfill({ json: fake }));
    try {
      await page.goto(base + '?view=trends&topic=BPF&topic=Rust&tkind=mc&metric=per_1k');
      await chartReady(2);
      const drawn = await page.$$eval('#chart .pt', (e) => e.map((x) => Number(x.dataset.year)));
      for (const yr of empty) assert(!drawn.includes(yr), `no point in ${yr}`);
      for (const c of await tableCells(empty[0])) eq(c.text, '–', 'table');
      assert((await page.textContent('#trends-notice')).includes('a warning from the server'), 'warning shown');
      await page.focus(`#chart .pt[data-index="0"][data-year="${open.year}"]`);
      await page.waitForSelector('#tooltip:not([hidden])');
      const tip = await page.textContent('#tooltip');
      assert(tip.includes('upper bound not defined'), 'unknown bound said: ' + tip);
      assert(!/–0 \)|–0\)/.test(tip), 'not shown as 0: ' + tip);
      // Bursts sit in a strip above the plot, outside the data area.
      const geo = await page.evaluate(() => {
        const grid = [...document.querySelectorAll('#chart .grid > line:not(.axis)')].map((l) => Number(l.getAttribute('y1')));
        const b = document.querySelector('#chart .burst');
        return { top: Math.min(...grid), bottom: b ? Number(b.getAttribute('y')) + Number(b.getAttribute('height')) : null };
      });
      assert(geo.bottom !== null && geo.bottom < geo.top, 'burst above the plot: ' + JSON.stringify(geo));
      assert(/bursts/.test(await page.textContent('#chart-caption')), 'the caption explains bursts');
      assert(/burst/.test(await page.textContent('#legend .legend-item[data-index="1"]')), 'legend names the burst');
      await shot('trends-new-shape');
    } finally {
      await page.unroute(route);
    }
  });

  await t('the caption names the interval of the measure shown: Wilson, or Poisson for per 1k', async () => {
    await page.goto(base + '?view=trends');
    await chartReady(3);
    let cap = await page.textContent('#chart-caption');
    assert(/Wilson/.test(cap) && !/Poisson/.test(cap), 'share: ' + cap);
    assert(/few documents or mentions/.test(cap), 'low count rule: ' + cap);
    await page.check('input[name=metric][value=per_1k]');
    await page.waitForFunction(() => /Poisson/.test(document.querySelector('#chart-caption').textContent));
    cap = await page.textContent('#chart-caption');
    assert(!/Wilson/.test(cap), 'per 1k: ' + cap);
  });

  await t('one precision: percentages with one decimal, rates with three significant digits', async () => {
    await page.goto(base + '?view=trends');
    await chartReady(3);
    const p = trend.series[0].points.find((q) => q.docs > 0);
    eq((await tableCells(p.year))[0].text, `${pct1(p.share)} (${p.docs}/${p.docs_total})`, 'table cell');
    await page.focus(`#chart .pt[data-index="0"][data-year="${p.year}"]`);
    const tip = await page.textContent('#tooltip');
    assert(tip.includes(pct1(p.share)) && tip.includes(sig3(p.per_1k) + ' per 1k'), 'tooltip: ' + tip);
  });

  await t('the x axis marks the years missing from the archive', async () => {
    const years = trend.totals.map((x) => x.year);
    const gaps = [];
    for (let i = 1; i < years.length; i++) if (years[i] - years[i - 1] > 1) gaps.push([years[i - 1] + 1, years[i] - 1]);
    assert(gaps.length, 'the bundled archive has a gap: ' + years);
    eq(await page.$$eval('#chart .gap-label', (e) => e.map((x) => x.textContent)), gaps.map(() => 'no data'), 'labels');
    const titles = await page.$$eval('#chart .nodata title', (e) => e.map((x) => x.textContent));
    assert(titles.some((x) => x.startsWith(String(gaps[0][0])) && /not in the archive/.test(x)), titles.join('|'));
    assert((await page.textContent('#chart-caption')).includes('The archive holds ' +
      years.slice(0, -1).join(', ') + ' and ' + years[years.length - 1]), 'caption lists the years');
  });

  await t('the legend shows each topic as typed; the parsed query is only a title', async () => {
    const topics = ['BPF', 'confidential computing', 'scheduler'];
    await page.goto(base + '?view=trends&' + topics.map((x) => 'topic=' + encodeURIComponent(x)).join('&'));
    await chartReady(3);
    eq(await page.$$eval('#legend .legend-topic', (e) => e.map((x) => x.textContent)), topics, 'legend');
    const text = await page.textContent('#legend');
    assert(!/SYN|PHRASE|confidenti\b|schedul\b/.test(text), 'no parsed query: ' + text);
    assert(/SYN/.test(await page.getAttribute('#legend .legend-item[data-index="0"]', 'title')), 'title');
  });

  await t('bands: all drawn up to three topics; with more, only for the topic pointed at', async () => {
    const shown = () => page.$$eval('#chart .bands', (e) => e.map((x) => getComputedStyle(x).display !== 'none'));
    eq(await shown(), [true, true, true], 'three topics');
    await page.goto(base + '?view=trends&' + ['BPF', 'Rust', 'CXL', 'scheduler', 'kernel']
      .map((x) => 'topic=' + x).join('&'));
    await chartReady(5);
    eq(await shown(), [false, false, false, false, false], 'five topics, nothing pointed at');
    await page.focus('#chart .pt[data-index="3"]');
    eq(await shown(), [false, false, false, true, false], 'the focused point\'s topic');
  });

  await t('a topic the parser refuses is not added; the others stay drawn', async () => {
    await page.goto(base + '?view=trends');
    await chartReady(3);
    await page.fill('#topic-input', '"live patch');
    await page.press('#topic-input', 'Enter');
    await page.waitForSelector('#topic-msg:not([hidden])');
    const msg = await page.textContent('#topic-msg');
    assert(/unbalanced quote/.test(msg), 'the parser\'s message: ' + msg);
    assert(!msg.includes('""'), 'no doubled quotes: ' + msg);
    eq(await page.$$eval('#topic-chips .chip-text', (e) => e.map((x) => x.textContent)), ['BPF', 'Rust', 'CXL'],
      'chips');
    eq(await page.$$eval('#chart .series', (e) => e.length), 3, 'still drawn');
    eq(await page.isVisible('#trends-error'), false, 'no chart error');
    eq(params().getAll('topic'), [], 'URL unchanged');
    eq(await page.inputValue('#topic-input'), '"live patch', 'the text stays to be fixed');
    await page.fill('#topic-input', 'bpf');
    await page.press('#topic-input', 'Enter');
    await page.waitForFunction(() => /BPF is already shown/.test(document.querySelector('#topic-msg').textContent));
    eq(await page.$$eval('#topic-chips .chip', (e) => e.length), 3, 'no duplicate');
  });

  await t('a link with a bad topic draws the others; the year selects come from /api/stats', async () => {
    await page.goto(base + '?view=trends&topic=BPF&topic=' + encodeURIComponent('"live patch') + '&topic=Rust');
    await chartReady(2);
    eq(await page.$$eval('#legend .legend-topic', (e) => e.map((x) => x.textContent)), ['BPF', 'Rust'], 'legend');
    const msg = await page.textContent('#topic-msg');
    assert(/Left out/.test(msg) && /unbalanced quote/.test(msg) && !msg.includes('""'), msg);
    eq(params().getAll('topic'), ['BPF', 'Rust'], 'URL corrected');
    await page.route(/\/api\/trends\?/, (r) => r.fulfill({ status: 500, json: { error: { code: 'internal', message: 'x' } } }));
    try {
      await page.goto(base + '?view=trends');
      await page.waitForSelector('#trends-error:not([hidden])');
      const stats = (await api('/api/stats')).body;
      await page.waitForFunction((k) => document.querySelectorAll('#rising-from option').length === k,
        stats.years.length);
    } finally {
      await page.unroute(/\/api\/trends\?/);
    }
  });

  await t('a topic that matches nothing says so', async () => {
    await page.goto(base + '?view=trends&topic=BPF&topic=zzzqqq');
    await chartReady(2);
    await page.waitForSelector('#trends-notice:not([hidden])');
    const note = await page.textContent('#trends-notice');
    // the page's own note, or the API's warning ("topic 'zzzqqq' matches no documents")
    assert(/zzzqqq'? matches no documents/.test(note), note);
  });

  await t('rising terms and the topic comparison follow the Kind selector', async () => {
    const seen = [];
    const onReq = (r) => {
      if (/\/api\/(terms\/rising|trends\/compare)\?/.test(r.url())) seen.push(new URL(r.url()));
    };
    page.on('request', onReq);
    try {
      await page.goto(base + '?view=trends');
      await chartReady(3);
      await page.selectOption('#trend-kind', 'mc');
      await chartReady(3);
      const stats = (await api('/api/stats')).body;
      const ys = stats.years.filter((y) => (y.kinds.mc || 0) > 0).map((y) => String(y.year));
      await page.waitForFunction((k) => document.querySelectorAll('#rising-from option').length === k, ys.length);
      const want = (await api(`/api/terms/rising?from=${ys[0]}&to=${ys[ys.length - 1]}&limit=12&kind=mc`)).body;
      await page.waitForFunction((w) => JSON.stringify([...document.querySelectorAll('#rising-list .term-name')]
        .map((e) => e.textContent)) === JSON.stringify(w), want.rising.map((x) => x.display || x.term));
      const rising = seen.filter((u) => u.pathname === '/api/terms/rising');
      eq(rising[rising.length - 1].searchParams.get('kind'), 'mc', 'rising request carries kind');
      await page.waitForFunction(() => document.querySelectorAll('#compare tbody tr').length === 3);
      const compares = seen.filter((u) => u.pathname === '/api/trends/compare').slice(-3);
      eq(compares.map((u) => u.searchParams.get('kind')), ['mc', 'mc', 'mc'], 'compare requests carry kind');
      const c = (await api(`/api/trends/compare?topic=BPF&a=${ys[0]}&b=${ys[ys.length - 1]}&kind=mc`)).body;
      const cells = await page.$$eval('#compare tbody tr:first-child td', (e) => e.map((x) => x.textContent));
      eq(cells.slice(0, 2), [`${pct1(c.a.share)} (${c.a.docs}/${c.a.docs_total})`,
        `${pct1(c.b.share)} (${c.b.docs}/${c.b.docs_total})`], 'BPF in the two years');
      eq(await page.textContent('#rising-submit'), 'Show changes', 'the button says what it does');
      assert(/without synonyms/.test(await page.textContent('#terms-help')), 'the lists are explained');
    } finally {
      page.off('request', onReq);
    }
  });
  await shot('trends-compare');

  await t('eight topics on a phone: no page scroll, the placeholder fits', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    const topics = ['BPF', 'Rust', 'CXL', 'scheduler', 'kernel', 'memory', 'confidential computing', 'sched_ext'];
    await page.goto(base + '?view=trends&' + topics.map((x) => 'topic=' + encodeURIComponent(x)).join('&'));
    await chartReady(8);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, 'page overflows by ' + overflow);
    const fit = await page.$eval('#topic-input', (e) => {
      const cs = getComputedStyle(e);
      const ctx = document.createElement('canvas').getContext('2d');
      ctx.font = cs.font;
      return { text: ctx.measureText(e.placeholder).width,
        room: e.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) };
    });
    assert(fit.text <= fit.room, 'placeholder fits: ' + JSON.stringify(fit));
    await shot('phone-trends-8');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await t('readable on a phone: no horizontal scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(base + '?q=' + QUERY);
    await page.waitForSelector('#results .hit');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow <= 0, 'search overflows by ' + overflow);
    await shot('phone-search');
    await page.goto(base + '?view=trends');
    await page.waitForFunction(() => document.querySelectorAll('#chart .series').length === 3);
    const overflow2 = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(overflow2 <= 0, 'trends overflows by ' + overflow2);
    const w = await page.$eval('#chart svg', (e) => e.getBoundingClientRect().width);
    assert(w <= 390, 'chart fits: ' + w);
    await shot('phone-trends');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  await t('no script errors on the page', () => {
    eq(pageErrors, [], 'page errors');
  });

  await t('an unreachable server is reported clearly', async () => {
    await page.goto(base + '?q=' + QUERY);
    await page.waitForSelector('#results .hit');
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await page.fill('#q', 'scheduler');
    await page.press('#q', 'Enter');
    await page.waitForSelector('#status:not([hidden])');
    const msg = await page.textContent('#status');
    assert(/cannot be reached/.test(msg), msg);
    assert(await page.isVisible('#search-error'), 'inline error too');
  });
  await shot('unreachable');
}

try {
  await main();
} catch (e) {
  n++;
  failed++;
  console.log(`not ok ${n} - unexpected failure`);
  for (const line of String((e && e.stack) || e).split('\n').slice(0, 8)) console.log('# ' + line);
} finally {
  if (browser) await browser.close().catch(() => {});
  cleanup();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
