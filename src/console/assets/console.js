// sluice console: a hash-routed page over the CodePipeline API and sluice's
// test controls. No framework: views build plain DOM and patch it into place,
// so live updates never replace what the user is looking at or typing in.
'use strict';

/* ------------------------------------------------------------------ */
/* DOM helpers                                                          */
/* ------------------------------------------------------------------ */

// h('a', {href: '#/'}, 'text', child, [more]): one element. Attributes with
// null/false values are skipped so callers can write conditions inline.
function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value == null || value === false) continue;
    if (name === 'class') el.className = value;
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, kids);
  return el;
}

// Appends nodes or text; text never goes through innerHTML, so API data
// can't inject markup.
function append(el, kids) {
  for (const kid of [kids].flat(Infinity)) {
    if (kid == null || kid === false) continue;
    el.append(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }
  return el;
}

// Text a screen reader reads but the eye does not see, e.g. "Details of Build".
function hidden(text) {
  return h('span', { class: 'visually-hidden' }, text);
}

let uid = 0;
function nextId(prefix) {
  uid += 1;
  return `${prefix}-${uid}`;
}

const enc = encodeURIComponent;
const pipelineHref = (name) => `#/pipelines/${enc(name)}`;
const historyHref = (name) => `#/pipelines/${enc(name)}/executions`;
const executionHref = (name, id) => `#/pipelines/${enc(name)}/executions/${enc(id)}`;

/* Patching: make `target`'s children look like `fresh`'s children, reusing
   the nodes that are already there. Elements that keep their place keep their
   identity, so focus, hover and a half-made click survive a live update.
   Elements with data-key are matched by key, the rest by position. */
function keyOf(node) {
  return node.nodeType === 1 ? node.getAttribute('data-key') : null;
}

function sameKind(a, b) {
  return a.nodeType === b.nodeType && a.nodeName === b.nodeName && keyOf(a) === keyOf(b);
}

function patch(target, fresh) {
  let cur = target.firstChild;
  for (const next of Array.from(fresh.childNodes)) {
    if (cur && sameKind(cur, next)) {
      update(cur, next);
      cur = cur.nextSibling;
      continue;
    }
    const key = keyOf(next);
    let found = null;
    if (key) {
      for (let c = cur; c; c = c.nextSibling) {
        if (sameKind(c, next)) { found = c; break; }
      }
    }
    if (found) {
      target.insertBefore(found, cur);
      update(found, next);
    } else {
      target.insertBefore(next, cur);
    }
  }
  while (cur) {
    const after = cur.nextSibling;
    cur.remove();
    cur = after;
  }
}

function update(old, next) {
  if (old.nodeType !== 1) {
    if (old.nodeValue !== next.nodeValue) old.nodeValue = next.nodeValue;
    return;
  }
  for (const attr of Array.from(next.attributes)) {
    if (old.getAttribute(attr.name) !== attr.value) old.setAttribute(attr.name, attr.value);
  }
  for (const attr of Array.from(old.attributes)) {
    // A <details> the user opened stays open.
    if (attr.name === 'open' && old.nodeName === 'DETAILS') continue;
    if (!next.hasAttribute(attr.name)) old.removeAttribute(attr.name);
  }
  patch(old, next);
}

// Renders nodes into a live container by patching.
function renderInto(target, ...nodes) {
  const fresh = document.createElement(target.nodeName);
  append(fresh, nodes);
  patch(target, fresh);
}

/* ------------------------------------------------------------------ */
/* Formatting                                                           */
/* ------------------------------------------------------------------ */

// AWS JSON times are epoch seconds; events carry ISO text. Both become
// "2030-01-01 00:00:05Z".
function toDate(value) {
  if (value == null || value === '') return null;
  const d = new Date(typeof value === 'number' ? value * 1000 : value);
  return Number.isNaN(d.getTime()) ? null : d;
}

function fmtTime(value) {
  const d = toDate(value);
  return d ? `${d.toISOString().slice(0, 19).replace('T', ' ')}Z` : '—';
}

function timeEl(value) {
  const d = toDate(value);
  return d ? h('time', { datetime: d.toISOString() }, fmtTime(value)) : h('span', { class: 'muted' }, '—');
}

function fmtDuration(seconds) {
  if (!(seconds >= 0)) return '—';
  if (seconds < 10 && !Number.isInteger(seconds)) return `${seconds.toFixed(1)}s`;
  const total = Math.round(seconds);
  const pad = (n) => String(n).padStart(2, '0');
  if (total < 60) return `${total}s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes}m ${pad(total % 60)}s`;
  return `${Math.floor(minutes / 60)}h ${pad(minutes % 60)}m ${pad(total % 60)}s`;
}

// Duration = lastUpdateTime - startTime. A running execution has no end
// yet, so its lastUpdateTime only marks the last change: "so far".
function executionDuration(summary) {
  if (!summary || summary.startTime == null) return '—';
  const text = fmtDuration((summary.lastUpdateTime ?? summary.startTime) - summary.startTime);
  return summary.status === 'InProgress' || summary.status === 'Stopping' ? `${text} so far` : text;
}

// A status is its AWS word as text; the stylesheet adds the symbol and colour,
// so tests and screen readers get exactly "Succeeded".
function statusEl(status) {
  if (!status) return h('span', { class: 'muted not-run' }, 'Didn’t run');
  return h('span', { class: 'status', 'data-testid': 'status', 'data-status': status }, status);
}

// A key/value object as a <dl>, or a dash when empty.
function kvList(obj) {
  const entries = Object.entries(obj || {});
  if (entries.length === 0) return h('span', { class: 'muted' }, '—');
  return h('dl', { class: 'kv' }, entries.map(([k, v]) => [
    h('dt', {}, k),
    h('dd', {}, typeof v === 'string' ? v : JSON.stringify(v)),
  ]));
}

// A table inside a focusable scroll box (a table may be wider than a phone).
function tableBox(label, caption, headers, rows) {
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label, tabindex: 0 },
    h('table', {},
      caption ? h('caption', {}, caption) : null,
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, rows)));
}

/* ------------------------------------------------------------------ */
/* Talking to sluice                                                    */
/* ------------------------------------------------------------------ */

class ApiError extends Error {
  constructor(type, message) {
    super(message);
    this.type = type;
  }
}

// The account and region every call is made in (header inputs). Values
// kept in localStorage pass the same checks as the inputs, or are dropped.
const ACCOUNT_RE = /^[0-9]{12}$/;
const REGION_RE = /^[a-z]{2}(-[a-z]+)+-[0-9]+$/;
const DEFAULT_SCOPE = { account: '000000000000', region: 'us-east-1' };

function storedScope(key, re, fallback) {
  let value = null;
  try {
    value = localStorage.getItem(key);
  } catch (_) {
    value = null;
  }
  return value && re.test(value) ? value : fallback;
}

const scope = {
  account: storedScope('sluice.account', ACCOUNT_RE, DEFAULT_SCOPE.account),
  region: storedScope('sluice.region', REGION_RE, DEFAULT_SCOPE.region),
};

/* A guarded sluice (--auth strict or --control-token) refuses the page's
   calls until it holds the control token. The page asks for it once and
   keeps it as a cookie, which fetch and EventSource both send. */
const REFUSALS = new Set(['Unauthorized', 'MissingAuthenticationTokenException',
  'IncompleteSignatureException', 'InvalidSignatureException', 'UnrecognizedClientException']);
let askedForToken = false;

function askForControlToken() {
  if (askedForToken) return;
  askedForToken = true;
  const token = window.prompt('This sluice is guarded. Control token (from --control-token, or the control-token file that --auth strict wrote):');
  if (!token) return;
  document.cookie = `sluice_control_token=${token.trim()}; path=/; SameSite=Strict`;
  window.location.reload();
}

// Reads a JSON answer; a 4xx/5xx becomes an ApiError carrying AWS's
// __type (or the controls' "error") and message.
async function readAnswer(res) {
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : {};
  } catch (_) {
    data = null;
  }
  if (res.ok && data) return data;
  if (res.ok) throw new ApiError('InvalidResponse', 'the answer is not JSON');
  const type = (data && (data.__type || data.error)) || `HTTP ${res.status}`;
  if (REFUSALS.has(String(type))) askForControlToken();
  const message = (data && (data.message || data.Message)) || text || res.statusText;
  throw new ApiError(String(type), String(message));
}

function isAbort(err) {
  return Boolean(err && err.name === 'AbortError');
}

// An aborted call rejects with the AbortError itself: loads drop it silently.
async function send(url, init, signal) {
  let res;
  try {
    res = await fetch(url, signal ? { ...init, signal } : init);
    return await readAnswer(res);
  } catch (err) {
    if (isAbort(err) || err instanceof ApiError) throw err;
    throw new ApiError('NetworkError', `sluice did not answer (${err.message})`);
  }
}

/* A load's context: the scope copied when it began and the signal of its
   route. `stale()` says its answer must be dropped (route left, scope
   changed). Calls outside a load (user actions) use the current scope. */
function loadContext(signal) {
  const at = { account: scope.account, region: scope.region };
  return {
    signal,
    scope: at,
    stale: () => Boolean(signal && signal.aborted) || at.account !== scope.account || at.region !== scope.region,
  };
}

// One CodePipeline operation. sluice reads the account from the credential
// and the region from the scope; it does not check the signature.
function aws(operation, body, ctx) {
  const at = ctx ? ctx.scope : scope;
  return send('/', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `CodePipeline_20150709.${operation}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=${at.account}/20260101/${at.region}/codepipeline/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body || {}),
  }, ctx && ctx.signal);
}

/* The nextToken loop, written once. Reads pages of `operation` and returns
   {items, nextToken}. Options: ctx (a load's context), maxPages (bounded, in
   case of a loop; default 20), nextToken (start there), until(items) (stop
   as soon as it says so). */
async function listPages(operation, body, listKey, options = {}) {
  const { ctx, maxPages = 20, until } = options;
  const items = [];
  let token = options.nextToken;
  for (let page = 0; page < maxPages; page += 1) {
    const answer = await aws(operation, token ? { ...body, nextToken: token } : body, ctx);
    const got = answer[listKey] || [];
    items.push(...got);
    token = answer.nextToken;
    if (!token || (until && until(got))) break;
  }
  return { items, nextToken: token || null };
}

// A test-control call: JSON in, JSON out.
function control(method, path, body, ctx) {
  const init = { method };
  if (body !== undefined) {
    init.headers = { 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  return send(path, init, ctx && ctx.signal);
}

/* Errors: one alert region shows the last failed call. A success clears it
   only when that call began after the failure, so a slow success can't wipe
   a newer error. */
let callSeq = 0;
let errorSeq = 0;
const errorBox = document.querySelector('[data-testid="error"]');

// "<__type>: <message>", the one way an error is written.
function errorText(err) {
  const type = err instanceof ApiError ? err.type : (err && err.name) || 'Error';
  return `${type}: ${err && err.message ? err.message : String(err)}`;
}

function showError(err, seq) {
  errorSeq = seq;
  errorBox.textContent = errorText(err);
}

// Shows an error that no user action is waiting for (a live refresh, a
// part of a view that failed while the rest loaded).
function reportError(err) {
  if (isAbort(err)) return;
  callSeq += 1;
  showError(err, callSeq);
}

function clearErrorAfter(seq) {
  if (seq > errorSeq && errorBox.textContent) errorBox.textContent = '';
}

// Runs a user action: its failure is shown, its success clears the error.
// Returns the result, or undefined when it failed.
async function userAction(fn) {
  callSeq += 1;
  const seq = callSeq;
  try {
    const result = await fn();
    clearErrorAfter(seq);
    return result;
  } catch (err) {
    showError(err, seq);
    return undefined;
  }
}

/* ------------------------------------------------------------------ */
/* Live events: one EventSource for the page                            */
/* ------------------------------------------------------------------ */

const MAX_EVENTS = 500;
const live = { state: 'Connecting', lastId: 0, buffer: [] }; // buffer: oldest first

function inScope(ev) {
  return ev.account === scope.account && ev.region === scope.region;
}

function setStreamState(state) {
  live.state = state;
  for (const el of document.querySelectorAll('[data-stream-status]')) el.textContent = state;
}

// The one EventSource of the page, where the stream first started from, and
// the backoff before reopening a stream the server closed.
const STREAM_RETRY_FIRST = 2000;
const STREAM_RETRY_MAX = 30000;
const stream = { source: null, startAfter: 0, retryDelay: STREAM_RETRY_FIRST, retryTimer: 0 };

// Starts the stream a little in the past so the events view opens with the
// latest MAX_EVENTS events instead of the whole server buffer.
async function startStream() {
  try {
    const health = await control('GET', '/_sluice/health');
    const next = health.events && health.events.nextSequence;
    if (next > 1) stream.startAfter = Math.max(0, next - 1 - MAX_EVENTS);
  } catch (_) {
    // No health: read from the start of what the server holds.
  }
  openStream();
}

/* The browser reconnects by itself, naming Last-Event-ID. A stream the server
   refused outright (CLOSED) is opened again after a backoff (2 s doubling up
   to 30 s, back to 2 s once open), from the last id read, or from where the
   stream first started: never from 0, which would replay the whole buffer. */
function openStream() {
  clearTimeout(stream.retryTimer);
  if (stream.source) stream.source.close();
  const after = live.lastId || stream.startAfter;
  const source = new EventSource(`/_sluice/events/stream${after ? `?after=${after}` : ''}`);
  stream.source = source;
  source.onopen = () => {
    stream.retryDelay = STREAM_RETRY_FIRST;
    setStreamState('Live');
  };
  source.onmessage = (message) => {
    let ev;
    try {
      ev = JSON.parse(message.data);
    } catch (_) {
      return;
    }
    ev.sequence = Number(message.lastEventId) || 0;
    if (ev.sequence) {
      if (ev.sequence <= live.lastId) return; // already seen (a replay)
      live.lastId = ev.sequence;
    }
    receive(ev);
  };
  // The server dropped events this page asked for (data names the first it
  // still holds): what is on screen may have missed some, so reload it.
  source.addEventListener('gap', () => {
    if (current) scheduleRefresh();
  });
  source.onerror = () => {
    if (source !== stream.source) return;
    setStreamState('Reconnecting');
    if (source.readyState === EventSource.CLOSED) {
      stream.retryTimer = setTimeout(openStream, stream.retryDelay);
      stream.retryDelay = Math.min(stream.retryDelay * 2, STREAM_RETRY_MAX);
    }
  };
}

function receive(ev) {
  live.buffer.push(ev);
  if (live.buffer.length > MAX_EVENTS) live.buffer.splice(0, live.buffer.length - MAX_EVENTS);
  if (current && current.onEvent) current.onEvent(ev);
}

// Whether an event in this scope is about pipeline `name`.
function aboutPipeline(ev, name) {
  return inScope(ev) && Boolean(ev.detail) && ev.detail.pipeline === name;
}

/* ------------------------------------------------------------------ */
/* Loading views: route loads and debounced live refreshes              */
/* ------------------------------------------------------------------ */

let current = null; // the view on screen
let routeGen = 0; // bumps on each route change; stale answers are dropped
let refreshTimer = 0;
let refreshPart = null; // the part refresh a pending debounce will run
let refreshFull = false; // ... or a full load, which covers any part

/* The load state of what is on screen: made afresh on each route change and
   scope change, aborting the loads of the one before. So a slow or hung
   fetch of an old view never holds up the next one. */
let loads = null;

function beginLoads() {
  if (loads) loads.ctl.abort();
  clearTimeout(refreshTimer);
  refreshPart = null;
  refreshFull = false;
  loads = { ctl: new AbortController(), running: false, queued: null, queuedByUser: false };
}

// A burst of events (one action finishing emits three) becomes one re-fetch.
// `part(ctx)` refreshes only a part of the view; without it, a full load.
function scheduleRefresh(part) {
  if (part) refreshPart = part;
  else refreshFull = true;
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => {
    const task = refreshFull ? null : refreshPart;
    refreshPart = null;
    refreshFull = false;
    runLoad(false, task);
  }, 50);
}

/* Loads the current view's data (`view.load(ctx)`) or runs a part refresh;
   one asked for while another runs is run once afterwards (a full load wins
   over a part). A load the user caused (route, scope) clears the error. An
   aborted or out-of-scope load shows nothing, not even its error. */
async function runLoad(byUser, part) {
  const state = loads;
  const task = part || 'full';
  if (state.running) {
    state.queued = state.queued === 'full' || task === 'full' ? 'full' : task;
    state.queuedByUser = state.queuedByUser || byUser;
    return;
  }
  state.running = true;
  const view = current;
  const ctx = loadContext(state.ctl.signal);
  callSeq += 1;
  const seq = callSeq;
  try {
    await (task === 'full' ? view.load(ctx) : task(ctx));
    if (byUser && !ctx.stale()) clearErrorAfter(seq);
  } catch (err) {
    if (!ctx.stale() && !isAbort(err)) showError(err, seq);
  }
  state.running = false;
  if (state.queued && state === loads) {
    const next = state.queued;
    const user = state.queuedByUser;
    state.queued = null;
    state.queuedByUser = false;
    runLoad(user, next === 'full' ? null : next);
  }
}

/* ------------------------------------------------------------------ */
/* Dialogs                                                              */
/* ------------------------------------------------------------------ */

const dialogsRoot = document.getElementById('dialogs');

/* A modal <dialog> built for one use: heading, body, Cancel and the given
   submit buttons. It closes before the call is made, so the error (if any)
   lands in the alert region the user can read. Escape closes it; focus goes
   back to the opener (or the button that replaced it). The dialog lives
   outside the view's patched region, so live updates leave it alone. */
function openDialog(opener, title, body, submitButtons, onSubmit) {
  const titleId = nextId('dialog-title');
  const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const form = h('form', { method: 'dialog' },
    h('h2', { id: titleId }, title),
    body,
    h('div', { class: 'buttons' }, cancel, submitButtons));
  const dialog = h('dialog', { 'aria-labelledby': titleId }, form);
  const openerText = opener ? opener.textContent : '';
  cancel.addEventListener('click', () => dialog.close());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const submitter = event.submitter;
    dialog.close();
    onSubmit(form, submitter);
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    restoreFocus(opener, openerText);
  });
  dialogsRoot.append(dialog);
  dialog.showModal();
  return dialog;
}

function restoreFocus(opener, text) {
  if (opener && opener.isConnected) {
    opener.focus();
    return;
  }
  const twin = Array.from(document.querySelectorAll('#view button')).find((b) => b.textContent === text);
  if (twin) twin.focus();
}

// A labelled field: <div class=field><label/>control</div>.
function field(labelText, control, hint) {
  const id = control.id || nextId('field');
  control.id = id;
  const hintEl = hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, labelText), control, hintEl);
}

// A checkbox or radio with its label after it.
function choice(labelText, input) {
  input.id = input.id || nextId('choice');
  return h('div', { class: 'check' }, input, h('label', { for: input.id }, labelText));
}

function selectEl(options, value) {
  return h('select', {}, options.map((o) => {
    const [val, text] = Array.isArray(o) ? o : [o, o];
    return h('option', { value: val, selected: val === value }, text);
  }));
}

/* ------------------------------------------------------------------ */
/* Views                                                                */
/* Each view: title; mount(root) builds the parts that never change (h1, */
/* inputs, nav); load(ctx) fetches with the load's context and patches   */
/* its data region (dropping the answer when ctx.stale()); render()      */
/* re-draws from the data it holds; onEvent(ev) reacts to a live event   */
/* (usually scheduleRefresh, of all or a part); onClick(button) handles  */
/* its data-do buttons.                                                  */
/* ------------------------------------------------------------------ */

function heading(text) {
  return h('h1', { tabindex: -1 }, text);
}

// "Stages | History" links of one pipeline.
function pipelineNav(name, here) {
  const link = (href, text, key) => h('li', {},
    h('a', { href, 'aria-current': here === key ? 'page' : null }, text));
  return h('nav', { class: 'subnav', 'aria-label': `Pipeline ${name}` },
    h('ul', {}, link(pipelineHref(name), 'Stages', 'stages'), link(historyHref(name), 'History', 'history')));
}

/* ---------- Pipelines (#/) ---------- */

function pipelinesView() {
  const view = { title: 'Pipelines', rows: null, pending: new Set() };

  view.mount = (root) => {
    view.filter = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
    view.filter.addEventListener('input', () => view.render());
    view.data = h('div', { class: 'data' });
    root.append(heading('Pipelines'),
      h('div', { class: 'filter' }, field('Filter pipelines by name', view.filter)),
      view.data);
  };

  // The latest execution of one pipeline; undefined when the pipeline was
  // deleted meanwhile (that row goes), any other failure is an error.
  const latestOf = (pipelineName, ctx) => aws('ListPipelineExecutions', { pipelineName, maxResults: 1 }, ctx)
    .then((r) => (r.pipelineExecutionSummaries || [])[0] || null)
    .catch((err) => {
      if (err instanceof ApiError && err.type === 'PipelineNotFoundException') return undefined;
      throw err;
    });

  view.load = async (ctx) => {
    view.pending.clear();
    const { items: pipelines } = await listPages('ListPipelines', {}, 'pipelines', { ctx });
    const latest = await Promise.all(pipelines.map((p) => latestOf(p.name, ctx)));
    if (ctx.stale()) return;
    view.rows = pipelines.map((p, i) => ({ pipeline: p, latest: latest[i] }))
      .filter((r) => r.latest !== undefined)
      .sort((a, b) => a.pipeline.name.localeCompare(b.pipeline.name));
    view.render();
  };

  // An event refreshes only its pipeline's row; a pipeline without a row
  // yet (just created) needs the full list.
  view.onEvent = (ev) => {
    const name = inScope(ev) && ev.detail && ev.detail.pipeline;
    if (!name) return;
    if (!view.rows || !view.rows.some((r) => r.pipeline.name === name)) {
      scheduleRefresh();
      return;
    }
    view.pending.add(name);
    scheduleRefresh(view.refreshRows);
  };

  view.refreshRows = async (ctx) => {
    const names = Array.from(view.pending);
    view.pending.clear();
    const latest = await Promise.all(names.map((n) => latestOf(n, ctx)));
    if (ctx.stale() || !view.rows) return;
    names.forEach((n, i) => {
      const row = view.rows.find((r) => r.pipeline.name === n);
      if (!row) return;
      if (latest[i] === undefined) view.rows = view.rows.filter((r) => r !== row);
      else row.latest = latest[i];
    });
    view.render();
  };

  view.render = () => {
    if (!view.rows) return;
    const where = `${scope.account} / ${scope.region}`;
    if (view.rows.length === 0) {
      renderInto(view.data, h('p', { class: 'empty' }, `No pipelines in ${where}`));
      return;
    }
    const needle = view.filter.value.trim().toLowerCase();
    const shown = view.rows.filter((r) => r.pipeline.name.toLowerCase().includes(needle));
    const rows = shown.map(({ pipeline, latest }) => h('tr',
      { 'data-testid': 'pipeline-row', 'data-key': `p:${pipeline.name}` },
      h('th', { scope: 'row' }, h('a', { href: pipelineHref(pipeline.name) }, pipeline.name)),
      h('td', {}, latest ? statusEl(latest.status) : h('span', { class: 'muted' }, 'No executions')),
      h('td', {}, latest ? timeEl(latest.startTime) : '—'),
      h('td', {}, String(pipeline.version ?? '—')),
      h('td', {}, pipeline.pipelineType || 'V1'),
      h('td', {}, timeEl(pipeline.updated))));
    renderInto(view.data,
      tableBox('Pipelines table', `Pipelines in ${where}`,
        ['Name', 'Latest execution status', 'Latest execution started', 'Version', 'Type', 'Updated'], rows),
      shown.length === 0 ? h('p', { class: 'empty' }, `No pipelines match “${view.filter.value.trim()}”.`) : null);
  };

  return view;
}

/* ---------- One pipeline (#/pipelines/<name>) ---------- */

// "<code>: <message>" of an action's errorDetails.
function errorDetailsText(error) {
  return `${error.code ? `${error.code}: ` : ''}${error.message || ''}`;
}

// An execution as a choice in a select: "<id> (started <time>)".
function executionOption(e) {
  return [e.pipelineExecutionId, `${e.pipelineExecutionId} (started ${fmtTime(e.startTime)})`];
}

function pipelineView(name) {
  const view = { title: name, name, pipeline: null, state: null, executions: [], declVersion: null };

  view.mount = (root) => {
    view.notice = h('p', { class: 'notice', 'aria-live': 'polite' });
    view.data = h('div', { class: 'data' });
    view.versionSelect = h('select', {});
    view.versionSelect.addEventListener('change', () => view.showVersion(Number(view.versionSelect.value)));
    view.declaration = h('pre', { 'data-testid': 'declaration' });
    root.append(heading(name), pipelineNav(name, 'stages'), view.notice, view.data,
      h('details', { class: 'declaration' },
        h('summary', {}, 'Declaration'),
        field('Version', view.versionSelect),
        h('div', { class: 'code-wrap', role: 'region', 'aria-label': 'Pipeline declaration JSON', tabindex: 0 },
          view.declaration)));
  };

  view.load = async (ctx) => {
    const [got, state, executions] = await Promise.all([
      aws('GetPipeline', { name }, ctx),
      aws('GetPipelineState', { name }, ctx),
      aws('ListPipelineExecutions', { pipelineName: name, maxResults: 25 }, ctx),
    ]);
    if (ctx.stale()) return;
    view.pipeline = got.pipeline;
    view.state = state;
    view.executions = executions.pipelineExecutionSummaries || [];
    view.render();
    view.renderVersions(got.pipeline);
  };

  // The version list follows the pipeline; the latest version's JSON is
  // shown until the user picks another.
  view.renderVersions = (pipeline) => {
    const latest = pipeline.version || 1;
    if (view.versionSelect.options.length !== latest) {
      const chosen = view.declVersion ?? latest;
      view.versionSelect.replaceChildren(...Array.from({ length: latest }, (_, i) => latest - i)
        .map((v) => h('option', { value: v, selected: v === chosen }, v === latest ? `${v} (latest)` : String(v))));
    }
    if (view.declVersion == null || view.declVersion === latest) {
      const text = JSON.stringify(pipeline, null, 2);
      if (view.declaration.textContent !== text) view.declaration.textContent = text;
    }
  };

  // An answer for a version the user has since left is dropped.
  view.showVersion = (version) => userAction(async () => {
    const asked = view.versionSelect.value;
    const latest = view.pipeline ? view.pipeline.version : version;
    view.declVersion = version === latest ? null : version;
    const got = await aws('GetPipeline', { name, version });
    if (view.versionSelect.value !== asked || !view.declaration.isConnected) return;
    view.declaration.textContent = JSON.stringify(got.pipeline, null, 2);
  });

  view.render = () => {
    const pipeline = view.pipeline;
    const running = view.executions.filter((e) => e.status === 'InProgress');
    const stages = view.state.stageStates || [];
    renderInto(view.data,
      h('div', { class: 'toolbar' },
        h('button', { type: 'button', class: 'primary', 'data-do': 'release' }, 'Release change'),
        running.length ? h('button', { type: 'button', 'data-do': 'stop' }, 'Stop execution') : null),
      h('p', { class: 'meta' },
        `Version ${pipeline.version} · ${pipeline.pipelineType || 'V1'} · ${pipeline.executionMode || 'SUPERSEDED'} mode · updated `,
        timeEl(view.state.updated)),
      h('div', { class: 'stages' }, stages.map((stage, i) => [
        i > 0 ? transitionEl(view, stage) : null,
        stageEl(view, stage, i),
      ])));
  };

  view.declaredStage = (stageName) =>
    ((view.pipeline && view.pipeline.stages) || []).find((s) => s.name === stageName) || { actions: [] };

  view.onClick = (button) => {
    const d = button.dataset;
    const handlers = {
      release: () => releaseDialog(view, button),
      stop: () => stopDialog(view, button),
      disable: () => disableDialog(view, button, d.stage),
      enable: () => view.act(() => aws('EnableStageTransition',
        { pipelineName: name, stageName: d.stage, transitionType: 'Inbound' })),
      retry: () => view.act(() => aws('RetryStageExecution',
        { pipelineName: name, stageName: d.stage, pipelineExecutionId: d.exec, retryMode: d.mode })),
      rollback: () => rollbackDialog(view, button, d.stage),
      review: () => reviewDialog(view, button, d.stage, d.action, d.token),
    };
    if (handlers[d.do]) handlers[d.do]();
  };

  // A change made here is shown at once, without waiting for its events.
  view.act = async (fn) => {
    const result = await userAction(fn);
    if (result !== undefined && current === view) scheduleRefresh();
    return result;
  };

  view.onEvent = (ev) => {
    if (aboutPipeline(ev, name)) scheduleRefresh();
  };
  return view;
}

// The arrow between two stages, with its enable/disable control and the
// executions waiting at it.
function transitionEl(view, stage) {
  const t = stage.inboundTransitionState || { enabled: true };
  const waiting = stage.inboundExecutions || (stage.inboundExecution ? [stage.inboundExecution] : []);
  return h('div', { class: `transition${t.enabled ? '' : ' disabled'}`, 'data-key': `tr:${stage.stageName}` },
    h('span', { class: 'arrow', 'aria-hidden': 'true' }, t.enabled ? '↓' : '⤫'),
    t.enabled
      ? h('button', { type: 'button', class: 'small', 'data-do': 'disable', 'data-stage': stage.stageName },
        `Disable transition into ${stage.stageName}`)
      : [
        h('p', { class: 'transition-reason' }, `Transition disabled: ${t.disabledReason || ''}`),
        h('button', { type: 'button', class: 'small', 'data-do': 'enable', 'data-stage': stage.stageName },
          `Enable transition into ${stage.stageName}`),
      ],
    waiting.map((w) => h('p', { class: 'waiting' }, 'Waiting: ',
      h('a', { href: executionHref(view.name, w.pipelineExecutionId) }, w.pipelineExecutionId), ' ',
      statusEl(w.status))));
}

// One stage box: heading, status, current execution, actions, and the
// buttons that apply to it.
function stageEl(view, stage, index) {
  const exec = stage.latestExecution;
  const titleId = `stage-${index}-title`;
  const declared = view.declaredStage(stage.stageName);
  const states = new Map((stage.actionStates || []).map((a) => [a.actionName, a]));
  // Declaration order (by runOrder), plus any action only the state knows.
  const names = declared.actions.slice()
    .sort((a, b) => (a.runOrder || 1) - (b.runOrder || 1)).map((a) => a.name);
  for (const n of states.keys()) if (!names.includes(n)) names.push(n);
  const retryable = exec && (exec.status === 'Failed' || exec.status === 'Stopped');
  const retryButton = (mode, text) => h('button', {
    type: 'button', class: 'small', 'data-do': 'retry', 'data-mode': mode,
    'data-stage': stage.stageName, 'data-exec': exec.pipelineExecutionId,
  }, text);
  return h('section', {
    class: 'stage', 'data-testid': 'stage', 'data-stage': stage.stageName,
    'data-key': `stage:${stage.stageName}`, 'aria-labelledby': titleId,
  },
  h('div', { class: 'stage-head' }, h('h2', { id: titleId }, stage.stageName), statusEl(exec && exec.status)),
  h('p', { class: 'stage-exec' }, exec
    ? ['Execution ID: ', h('a', { href: executionHref(view.name, exec.pipelineExecutionId) }, exec.pipelineExecutionId)]
    : h('span', { class: 'muted' }, 'No execution yet')),
  h('ul', { class: 'actions' }, names.map((n) =>
    actionEl(view, stage, declared.actions.find((a) => a.name === n), states.get(n) || { actionName: n }))),
  h('div', { class: 'stage-buttons' },
    retryable ? [
      retryButton('FAILED_ACTIONS', `Retry failed actions in ${stage.stageName}`),
      retryButton('ALL_ACTIONS', `Retry all actions in ${stage.stageName}`),
    ] : null,
    index > 0 ? h('button', { type: 'button', class: 'small secondary', 'data-do': 'rollback', 'data-stage': stage.stageName },
      `Roll back ${stage.stageName}`) : null));
}

// One action of a stage: name, provider, status, latest summary or error.
function actionEl(view, stage, declared, state) {
  const latest = state.latestExecution;
  const type = (declared && declared.actionTypeId) || {};
  const exec = stage.latestExecution;
  const error = latest && latest.errorDetails;
  const text = error ? errorDetailsText(error) : latest && latest.summary;
  const reviewable = type.category === 'Approval' && latest && latest.status === 'InProgress' && latest.token;
  return h('li', { class: 'action', 'data-testid': 'action', 'data-action': state.actionName, 'data-key': `act:${state.actionName}` },
    h('div', { class: 'action-head' },
      h('span', { class: 'action-name' }, state.actionName),
      h('span', { class: 'provider' }, type.provider || '')),
    h('div', { class: 'action-status' }, statusEl(latest && latest.status),
      latest && latest.lastStatusChange != null ? [' ', timeEl(latest.lastStatusChange)] : null),
    text ? h('p', { class: error ? 'action-text error-text' : 'action-text' }, text) : null,
    h('div', { class: 'action-links' },
      exec ? h('a', { href: executionHref(view.name, exec.pipelineExecutionId) }, 'Details', hidden(` of ${state.actionName}`)) : null,
      reviewable ? h('button', {
        type: 'button', class: 'small primary', 'data-do': 'review',
        'data-stage': stage.stageName, 'data-action': state.actionName, 'data-token': latest.token,
      }, `Review ${state.actionName}`) : null));
}

const submitButton = (text) => h('button', { type: 'submit', class: 'primary' }, text);

function releaseDialog(view, opener) {
  const name = view.name;
  const declaredVars = (view.pipeline && view.pipeline.variables) || [];
  const sources = [];
  for (const s of (view.pipeline && view.pipeline.stages) || []) {
    for (const a of s.actions) if (a.actionTypeId && a.actionTypeId.category === 'Source') sources.push(a.name);
  }
  const varRows = h('div', { class: 'rows' });
  const revRows = h('div', { class: 'rows' });
  let count = 0;
  const removeButton = (row, what) => {
    const b = h('button', { type: 'button', class: 'link' }, 'Remove', hidden(` ${what}`));
    b.addEventListener('click', () => row.remove());
    return b;
  };
  const addVariable = h('button', { type: 'button', class: 'secondary small' }, 'Add variable');
  addVariable.addEventListener('click', () => {
    count += 1;
    const row = h('div', { class: 'row', 'data-row': 'variable' });
    append(row, [
      field('Variable name', h('input', { name: 'variableName', autocomplete: 'off', spellcheck: 'false' })),
      field('Variable value', h('input', { name: 'variableValue', autocomplete: 'off', spellcheck: 'false' })),
      removeButton(row, `variable ${count}`),
    ]);
    varRows.append(row);
    row.querySelector('input').focus();
  });
  const addRevision = h('button', { type: 'button', class: 'secondary small' }, 'Add revision');
  addRevision.addEventListener('click', () => {
    count += 1;
    const row = h('div', { class: 'row', 'data-row': 'revision' });
    append(row, [
      field('Source action', selectEl(sources, sources[0])),
      field('Revision type', selectEl(['COMMIT_ID', 'IMAGE_DIGEST', 'S3_OBJECT_VERSION_ID', 'S3_OBJECT_KEY'], 'COMMIT_ID')),
      field('Revision value', h('input', { autocomplete: 'off', spellcheck: 'false' })),
      removeButton(row, `revision ${count}`),
    ]);
    revRows.append(row);
    row.querySelector('select').focus();
  });
  const declaredText = declaredVars.length
    ? `Declared variables: ${declaredVars.map((v) => (v.defaultValue != null ? `${v.name} (default “${v.defaultValue}”)` : v.name)).join(', ')}. Add a variable to override its value.`
    : 'This pipeline declares no variables.';
  const body = [
    h('p', {}, `Start ${name} with the latest change from each source, or with the revisions below.`),
    h('fieldset', {}, h('legend', {}, 'Pipeline variables'), h('p', { class: 'hint' }, declaredText), varRows, addVariable),
    h('fieldset', {}, h('legend', {}, 'Source revisions'),
      h('p', { class: 'hint' }, sources.length ? 'Override the revision a source action uses.' : 'This pipeline has no source actions.'),
      revRows, addRevision),
  ];
  openDialog(opener, 'Release change', body, submitButton('Start'), () => {
    const variables = Array.from(varRows.querySelectorAll('.row'))
      .map((row) => { const [n, v] = row.querySelectorAll('input'); return { name: n.value.trim(), value: v.value }; })
      .filter((v) => v.name);
    const sourceRevisions = Array.from(revRows.querySelectorAll('.row'))
      .map((row) => {
        const [action, type] = row.querySelectorAll('select');
        return { actionName: action.value, revisionType: type.value, revisionValue: row.querySelector('input').value.trim() };
      })
      .filter((r) => r.revisionValue);
    const request = { name };
    if (variables.length) request.variables = variables;
    if (sourceRevisions.length) request.sourceRevisions = sourceRevisions;
    view.act(async () => {
      const started = await aws('StartPipelineExecution', request);
      renderInto(view.notice, 'Started execution ',
        h('a', { href: executionHref(name, started.pipelineExecutionId) }, started.pipelineExecutionId), '.');
      return started;
    });
  });
}

function stopDialog(view, opener) {
  const running = view.executions.filter((e) => e.status === 'InProgress');
  const exec = selectEl(running.map(executionOption), running[0] && running[0].pipelineExecutionId);
  const radio = (value, text, checked) => choice(text, h('input', { type: 'radio', name: 'stopMode', value, checked }));
  const reason = h('textarea', { rows: 3 });
  const body = [
    field('Execution', exec),
    h('fieldset', { class: 'radios' }, h('legend', {}, 'How to stop'),
      radio('wait', 'Stop and wait', true),
      radio('abandon', 'Stop and abandon', false),
      h('p', { class: 'hint' }, 'Stop and wait lets the running actions finish. Stop and abandon abandons them at once.')),
    field('Reason', reason),
  ];
  openDialog(opener, 'Stop execution', body, submitButton('Stop'), (form) => {
    const abandon = form.querySelector('input[name="stopMode"]:checked').value === 'abandon';
    const request = { pipelineName: view.name, pipelineExecutionId: exec.value, abandon };
    if (reason.value.trim()) request.reason = reason.value.trim();
    view.act(() => aws('StopPipelineExecution', request));
  });
}

function disableDialog(view, opener, stageName) {
  const reason = h('textarea', { rows: 3 });
  openDialog(opener, 'Disable transition',
    [h('p', {}, `Executions will wait before ${stageName} until the transition is enabled again.`), field('Reason', reason)],
    submitButton('Disable'),
    () => view.act(() => aws('DisableStageTransition',
      { pipelineName: view.name, stageName, transitionType: 'Inbound', reason: reason.value })));
}

// The targets are earlier executions that succeeded: fetched when the
// dialog opens so the list is current. While they load the opener is
// disabled (one dialog, not two); if the user has gone elsewhere meanwhile,
// no dialog opens.
async function rollbackDialog(view, opener, stageName) {
  if (view.opening) return;
  const gen = routeGen;
  view.opening = true;
  opener.disabled = true;
  let listed;
  try {
    listed = await userAction(() => listPages('ListPipelineExecutions',
      { pipelineName: view.name, maxResults: 100 }, 'pipelineExecutionSummaries', { maxPages: 5 }));
  } finally {
    view.opening = false;
    opener.disabled = false;
  }
  if (!listed || gen !== routeGen || current !== view || !opener.isConnected) return;
  const executions = listed.items;
  const stage = (view.state.stageStates || []).find((s) => s.stageName === stageName);
  const currentId = stage && stage.latestExecution && stage.latestExecution.pipelineExecutionId;
  const currentSummary = executions.find((e) => e.pipelineExecutionId === currentId);
  const targets = executions.filter((e) => e.status === 'Succeeded' && e.pipelineExecutionId !== currentId &&
    (!currentSummary || e.startTime <= currentSummary.startTime));
  const select = selectEl(targets.length ? targets.map(executionOption) : [['', 'No earlier succeeded execution']]);
  openDialog(opener, 'Roll back stage',
    [h('p', {}, `Run ${stageName} again with the artifacts and variables of an earlier execution.`), field('Target execution', select)],
    submitButton('Roll back'),
    () => view.act(() => aws('RollbackStage', select.value
      ? { pipelineName: view.name, stageName, targetPipelineExecutionId: select.value }
      : { pipelineName: view.name, stageName })));
}

function reviewDialog(view, opener, stageName, actionName, token) {
  const declared = view.declaredStage(stageName).actions.find((a) => a.name === actionName);
  const config = (declared && declared.configuration) || {};
  const summary = h('textarea', { rows: 3 });
  const body = [
    h('p', {}, `${actionName} in ${stageName} waits for a decision.`),
    config.CustomData ? h('p', {}, h('strong', {}, 'Comments: '), config.CustomData) : null,
    config.ExternalEntityLink ? h('p', {}, 'URL for review: ', h('code', {}, config.ExternalEntityLink)) : null,
    field('Summary', summary),
  ];
  openDialog(opener, 'Review approval', body, [
    h('button', { type: 'submit', class: 'secondary', value: 'Rejected' }, 'Reject'),
    h('button', { type: 'submit', class: 'primary', value: 'Approved' }, 'Approve'),
  ], (form, submitter) => view.act(() => aws('PutApprovalResult', {
    pipelineName: view.name, stageName, actionName, token,
    result: { summary: summary.value, status: submitter && submitter.value === 'Rejected' ? 'Rejected' : 'Approved' },
  })));
}

/* ---------- History (#/pipelines/<name>/executions) ---------- */

function historyView(name) {
  const view = { title: `${name} history`, executions: [], nextToken: null, pages: 0 };
  const body = { pipelineName: name, maxResults: 100 };
  const newestFirst = (list) => list.sort((a, b) => (b.startTime || 0) - (a.startTime || 0));

  view.mount = (root) => {
    view.data = h('div', { class: 'data' });
    root.append(heading(`${name} history`), pipelineNav(name, 'history'), view.data);
  };

  // A full load (route, scope, gap) starts again from the first page.
  view.load = async (ctx) => {
    const page = await listPages('ListPipelineExecutions', body, 'pipelineExecutionSummaries', { ctx, maxPages: 1 });
    if (ctx.stale()) return;
    view.executions = newestFirst(page.items);
    view.nextToken = page.nextToken;
    view.pages = 1;
    view.render();
  };

  // "Load more" reads the page after the last one read and appends it.
  view.loadMore = async (ctx) => {
    if (!view.nextToken) return;
    const page = await listPages('ListPipelineExecutions', body, 'pipelineExecutionSummaries',
      { ctx, maxPages: 1, nextToken: view.nextToken });
    if (ctx.stale()) return;
    view.merge(page.items);
    view.nextToken = page.nextToken;
    view.pages += 1;
    view.render();
  };

  // A live event re-reads the first page only and merges it in by id.
  view.refreshFirst = async (ctx) => {
    const page = await listPages('ListPipelineExecutions', body, 'pipelineExecutionSummaries', { ctx, maxPages: 1 });
    if (ctx.stale()) return;
    view.merge(page.items);
    if (view.pages <= 1) view.nextToken = page.nextToken;
    view.render();
  };

  view.merge = (items) => {
    const byId = new Map(view.executions.map((e) => [e.pipelineExecutionId, e]));
    for (const e of items) byId.set(e.pipelineExecutionId, e);
    view.executions = newestFirst(Array.from(byId.values()));
  };

  view.render = () => {
    if (view.executions.length === 0) {
      renderInto(view.data, h('p', { class: 'empty' }, `${name} has no executions.`));
      return;
    }
    const rows = view.executions.map((e) => h('tr', { 'data-testid': 'execution-row', 'data-key': `x:${e.pipelineExecutionId}` },
      h('th', { scope: 'row' }, h('a', { class: 'id', href: executionHref(name, e.pipelineExecutionId) }, e.pipelineExecutionId)),
      h('td', {}, statusEl(e.status), e.statusSummary ? h('p', { class: 'cell-note' }, e.statusSummary) : null),
      h('td', {}, e.trigger ? [e.trigger.triggerType, e.trigger.triggerDetail ? h('p', { class: 'cell-note' }, e.trigger.triggerDetail) : null] : '—'),
      h('td', {}, revisionList(e.sourceRevisions)),
      h('td', {}, timeEl(e.startTime)),
      h('td', {}, executionDuration(e))));
    renderInto(view.data,
      tableBox('Execution history table', `Executions of ${name}, newest first`,
        ['Execution ID', 'Status', 'Trigger', 'Source revisions', 'Started', 'Duration'], rows),
      view.nextToken ? h('button', { type: 'button', class: 'secondary', 'data-do': 'more' }, 'Load more executions') : null);
  };

  view.onClick = (button) => {
    if (button.dataset.do === 'more') runLoad(true, view.loadMore);
  };

  view.onEvent = (ev) => {
    if (aboutPipeline(ev, name)) scheduleRefresh(view.refreshFirst);
  };
  return view;
}

// "Source: <revision id> — <summary>" for each source revision.
function revisionList(revisions) {
  if (!revisions || revisions.length === 0) return h('span', { class: 'muted' }, '—');
  return h('ul', { class: 'plain' }, revisions.map((r) => h('li', {},
    `${r.actionName}: `, h('code', { class: 'id' }, r.revisionId || '—'),
    r.revisionSummary ? ` — ${r.revisionSummary}` : '')));
}

/* ---------- One execution (#/pipelines/<name>/executions/<id>) ---------- */

function executionView(name, id) {
  const view = { title: `Execution ${id}` };

  view.mount = (root) => {
    view.data = h('div', { class: 'data' });
    root.append(heading(`Execution ${id}`), pipelineNav(name, null), view.data);
  };

  // The summary (start time, stop reason) only comes from the list: look
  // through a few pages for it.
  const isThis = (e) => e.pipelineExecutionId === id;
  async function findSummary(ctx) {
    const { items } = await listPages('ListPipelineExecutions', { pipelineName: name, maxResults: 100 },
      'pipelineExecutionSummaries', { ctx, maxPages: 5, until: (page) => page.some(isThis) });
    return items.find(isThis) || null;
  }

  // The events are a part of the page: if they fail, the rest still shows
  // and the error goes to the alert region (not a misleading "No events").
  view.load = async (ctx) => {
    const [got, actions, summary, events] = await Promise.all([
      aws('GetPipelineExecution', { pipelineName: name, pipelineExecutionId: id }, ctx),
      listPages('ListActionExecutions', { pipelineName: name, filter: { pipelineExecutionId: id }, maxResults: 100 },
        'actionExecutionDetails', { ctx }),
      findSummary(ctx),
      control('GET', `/_sluice/events?execution-id=${enc(id)}&limit=1000`, undefined, ctx).catch((err) => {
        if (isAbort(err)) throw err;
        return { failed: err };
      }),
    ]);
    if (ctx.stale()) return;
    view.execution = got.pipelineExecution;
    view.actions = actions.items.sort((a, b) => (a.startTime || 0) - (b.startTime || 0));
    view.summary = summary;
    view.eventsError = events.failed || null;
    view.events = (events.events || []).filter((ev) => inScope(ev)).reverse();
    view.render();
    if (view.eventsError) reportError(view.eventsError);
  };

  view.render = () => {
    const ex = view.execution;
    const sum = view.summary || {};
    const started = sum.startTime ?? (view.actions[0] && view.actions[0].startTime);
    const trigger = ex.trigger || sum.trigger;
    const item = (term, ...value) => [h('dt', {}, term), h('dd', {}, value)];
    const stopReason = sum.stopTrigger && sum.stopTrigger.reason;
    const statusSummary = ex.statusSummary || sum.statusSummary;
    renderInto(view.data,
      h('dl', { class: 'facts' },
        item('Status', statusEl(ex.status)),
        item('Pipeline', h('a', { href: pipelineHref(name) }, name), ` (version ${ex.pipelineVersion ?? '—'})`),
        item('Mode', ex.executionMode || sum.executionMode || '—'),
        item('Type', ex.executionType || sum.executionType || 'STANDARD'),
        item('Trigger', trigger ? [trigger.triggerType, trigger.triggerDetail ? h('span', { class: 'cell-note' }, ` ${trigger.triggerDetail}`) : null] : '—'),
        item('Started', timeEl(started)),
        item('Duration', sum.startTime != null ? executionDuration(sum) : '—'),
        stopReason ? item('Stop reason', stopReason) : null,
        statusSummary ? item('Status summary', statusSummary) : null),
      h('h2', {}, 'Variables'),
      (ex.variables || []).length
        ? tableBox('Variables table', null, ['Name', 'Resolved value'],
          ex.variables.map((v) => h('tr', {}, h('th', { scope: 'row' }, v.name), h('td', {}, v.resolvedValue ?? ''))))
        : h('p', { class: 'muted' }, 'No variables.'),
      h('h2', {}, 'Source revisions'),
      view.sources(ex, sum),
      h('h2', {}, 'Action executions'),
      view.actions.length
        ? tableBox('Action executions table', null,
          ['Stage', 'Action', 'Status', 'Started', 'Resolved configuration', 'Output variables', 'Error or summary'],
          view.actions.map((a) => view.actionRow(a)))
        : h('p', { class: 'muted' }, 'No action has run yet.'),
      h('h2', {}, 'Events'),
      view.eventsError
        ? h('p', { class: 'error-text' }, `The events could not be read: ${errorText(view.eventsError)}`)
        : view.events.length
          ? h('ol', { class: 'events' }, view.events.map((ev) => eventItem(ev)))
          : h('p', { class: 'muted' }, 'No events for this execution.'));
  };

  view.sources = (ex, sum) => {
    if (sum.sourceRevisions && sum.sourceRevisions.length) {
      return tableBox('Source revisions table', null, ['Action', 'Revision ID', 'Summary'],
        sum.sourceRevisions.map((r) => h('tr', {},
          h('th', { scope: 'row' }, r.actionName), h('td', { class: 'id' }, r.revisionId || '—'), h('td', {}, r.revisionSummary || '—'))));
    }
    if (ex.artifactRevisions && ex.artifactRevisions.length) {
      return tableBox('Artifact revisions table', null, ['Artifact', 'Revision ID', 'Summary'],
        ex.artifactRevisions.map((r) => h('tr', {},
          h('th', { scope: 'row' }, r.name), h('td', { class: 'id' }, r.revisionId || '—'), h('td', {}, r.revisionSummary || '—'))));
    }
    return h('p', { class: 'muted' }, 'No source revisions.');
  };

  view.actionRow = (a) => {
    const result = (a.output && a.output.executionResult) || {};
    const error = result.errorDetails;
    const text = error ? errorDetailsText(error) : result.externalExecutionSummary;
    return h('tr', { 'data-testid': 'action-execution', 'data-key': `a:${a.actionExecutionId}` },
      h('td', {}, a.stageName),
      h('th', { scope: 'row' }, a.actionName),
      h('td', {}, statusEl(a.status)),
      h('td', {}, timeEl(a.startTime)),
      h('td', {}, kvList(a.input && a.input.resolvedConfiguration)),
      h('td', {}, kvList(a.output && a.output.outputVariables)),
      h('td', { class: error ? 'error-text' : null }, text || '—'));
  };

  // Only events of this very execution re-fetch it.
  view.onEvent = (ev) => {
    if (aboutPipeline(ev, name) && ev.detail['execution-id'] === id) scheduleRefresh();
  };
  return view;
}

/* ---------- Events (#/events) ---------- */

const DETAIL_TYPES = {
  Pipeline: 'CodePipeline Pipeline Execution State Change',
  Stage: 'CodePipeline Stage Execution State Change',
  Action: 'CodePipeline Action Execution State Change',
};

// One event as a list item: time, detail-type, pipeline, stage/action, state.
function eventItem(ev) {
  const d = ev.detail || {};
  const where = [d.stage, d.action].filter(Boolean).join(' / ');
  return h('li', { class: 'event', 'data-testid': 'event', 'data-key': `ev:${ev.id || ev.sequence}` },
    h('span', { class: 'ev-time' }, timeEl(ev.time)),
    h('span', { class: 'ev-type' }, ev['detail-type']),
    h('span', { class: 'ev-pipeline' }, d.pipeline ? h('a', { href: pipelineHref(d.pipeline) }, d.pipeline) : '—'),
    where ? h('span', { class: 'ev-where' }, where) : null,
    h('span', { class: 'ev-state', 'data-state': d.state || '' }, d.state || '—'),
    d.pipeline && d['execution-id']
      ? h('a', { class: 'ev-exec', href: executionHref(d.pipeline, d['execution-id']) }, hidden('Execution '), d['execution-id'])
      : null);
}

function eventsView() {
  const view = { title: 'Events' };

  view.mount = (root) => {
    view.pipeline = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
    view.type = selectEl([['', 'All'], ['Pipeline', 'Pipeline'], ['Stage', 'Stage'], ['Action', 'Action']], '');
    view.state = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
    for (const input of [view.pipeline, view.type, view.state]) {
      input.addEventListener(input.nodeName === 'SELECT' ? 'change' : 'input', () => view.render());
    }
    view.list = h('ol', { class: 'events' });
    const filters = h('form', { class: 'filters', 'aria-label': 'Event filters' },
      field('Pipeline', view.pipeline), field('Detail type', view.type),
      field('State', view.state, 'e.g. STARTED, SUCCEEDED, FAILED'));
    filters.addEventListener('submit', (event) => event.preventDefault());
    root.append(heading('Events'),
      h('p', { class: 'stream-status', role: 'status', 'data-stream-status': '' }, live.state),
      filters,
      view.list,
      h('p', { class: 'hint' }, `The newest ${MAX_EVENTS} events are kept.`));
  };

  view.matches = (ev) => {
    if (!inScope(ev)) return false;
    const d = ev.detail || {};
    const pipeline = view.pipeline.value.trim().toLowerCase();
    const state = view.state.value.trim().toUpperCase();
    const type = DETAIL_TYPES[view.type.value];
    return (!pipeline || String(d.pipeline || '').toLowerCase().includes(pipeline)) &&
      (!state || String(d.state || '').toUpperCase().startsWith(state)) &&
      (!type || ev['detail-type'] === type);
  };

  view.render = () => {
    const shown = live.buffer.filter(view.matches).reverse();
    view.list.replaceChildren(...shown.map(eventItem));
  };

  // New events go on top; the list never grows past MAX_EVENTS.
  view.onEvent = (ev) => {
    if (!view.matches(ev)) return;
    view.list.prepend(eventItem(ev));
    while (view.list.children.length > MAX_EVENTS) view.list.lastElementChild.remove();
  };

  view.load = async () => view.render();
  return view;
}

/* ---------- Test controls (#/controls) ---------- */

function controlsView() {
  const view = { title: 'Test controls' };

  view.mount = (root) => {
    view.rules = h('div', { class: 'data' });
    root.append(heading('Test controls'), resetPanel(view), clockPanel(view), rulesPanel(view));
  };

  view.showClock = (clock) => {
    renderInto(view.clock, 'Now: ', h('time', { datetime: clock.iso }, clock.iso),
      ` (${fmtTime(clock.now)}), ${clock.mode} clock`);
  };

  view.loadRules = async (ctx) => {
    const answer = await control('GET', '/_sluice/outcomes', undefined, ctx);
    if (ctx && ctx.stale()) return;
    const rules = answer.outcomes || [];
    const describe = (m) => Object.entries(m || {}).map(([k, v]) => `${k} = ${v}`).join(', ') || 'any action';
    const rows = rules.map((r) => h('tr', { 'data-testid': 'outcome-row', 'data-key': `o:${r.id}` },
      h('th', { scope: 'row' }, r.id),
      h('td', {}, describe(r.match)),
      h('td', {}, r.result, r.errorMessage ? h('p', { class: 'cell-note' }, r.errorMessage) : null),
      h('td', {}, r.times == null ? 'every time' : String(r.times)),
      h('td', {}, String(r.matched ?? 0)),
      h('td', {}, h('button', { type: 'button', class: 'small secondary', 'data-do': 'remove-rule', 'data-id': r.id }, `Remove rule ${r.id}`))));
    renderInto(view.rules,
      rules.length
        ? tableBox('Outcome rules table', 'Outcome rules',
          ['Rule', 'Match', 'Result', 'Times', 'Matched', 'Remove'], rows)
        : h('p', { class: 'muted' }, 'No outcome rules: actions succeed.'),
      h('button', { type: 'button', class: 'secondary', 'data-do': 'clear-rules' }, 'Clear rules'));
    return true;
  };

  view.load = async (ctx) => {
    const [clock] = await Promise.all([control('GET', '/_sluice/clock', undefined, ctx), view.loadRules(ctx)]);
    if (ctx.stale()) return;
    view.showClock(clock);
  };

  view.onClick = async (button) => {
    if (button.dataset.do === 'remove-rule') {
      const done = await userAction(() => control('DELETE', `/_sluice/outcomes/${enc(button.dataset.id)}`));
      if (done) {
        const next = button.closest('tr') && (button.closest('tr').nextElementSibling || button.closest('tr').previousElementSibling);
        await userAction(() => view.loadRules());
        // The row is gone: keep the keyboard near where it was.
        const target = next && next.isConnected ? next.querySelector('button') : view.rules.querySelector('button');
        if (target && !button.isConnected) target.focus();
      }
    } else if (button.dataset.do === 'clear-rules') {
      const done = await userAction(() => control('DELETE', '/_sluice/outcomes'));
      if (done) await userAction(() => view.loadRules());
    }
  };

  // Actions running move the "matched" counts and the clock.
  view.onEvent = (ev) => {
    if (inScope(ev)) scheduleRefresh();
  };
  return view;
}

function resetPanel(view) {
  const onlyScope = h('input', { type: 'checkbox', id: 'reset-only-scope' });
  const result = h('p', { role: 'status', class: 'result' });
  const form = h('form', { 'aria-labelledby': 'reset-title' },
    choice('Only this account and region', onlyScope),
    h('button', { type: 'submit', class: 'danger' }, 'Reset state'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const only = onlyScope.checked;
    const at = { account: scope.account, region: scope.region };
    const answer = await userAction(() => control('POST', '/_sluice/reset', only ? at : {}));
    if (!answer) return;
    const removed = Object.entries(answer.removed || {}).map(([k, n]) => `${n} ${k}`).join(', ');
    result.textContent = `Reset ${only ? `${at.account} / ${at.region}` : 'everything'}: removed ${removed || 'nothing'}.`;
    // The server forgot those events; the events view should too.
    live.buffer = only
      ? live.buffer.filter((ev) => ev.account !== at.account || ev.region !== at.region)
      : [];
    if (current === view) runLoad(false);
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'reset-title' },
    h('h2', { id: 'reset-title' }, 'Reset'),
    h('p', { class: 'hint' }, 'Removes pipelines, executions, jobs, webhooks, outcome rules and faults.'),
    form, result);
}

function clockPanel(view) {
  view.clock = h('p', { 'data-testid': 'clock-now', class: 'clock' }, '…');
  const result = h('p', { class: 'result', 'aria-live': 'polite' });
  // Plain text inputs: sluice validates numbers and says what is wrong,
  // where the browser would silently refuse to submit.
  const seconds = h('input', { type: 'text', value: 1, inputmode: 'decimal', autocomplete: 'off' });
  const settle = h('button', { type: 'button', class: 'secondary' }, 'Settle');
  const form = h('form', { class: 'inline-form', 'aria-labelledby': 'clock-title' },
    field('Seconds', seconds), h('button', { type: 'submit' }, 'Advance clock'), settle);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const n = Number(seconds.value);
    const answer = await userAction(() => control('POST', '/_sluice/clock/advance',
      { seconds: seconds.value.trim() === '' || Number.isNaN(n) ? seconds.value : n }));
    if (answer) {
      view.showClock(answer);
      result.textContent = `Advanced ${seconds.value} s.`;
    }
  });
  settle.addEventListener('click', async () => {
    const answer = await userAction(() => control('POST', '/_sluice/clock/settle', {}));
    if (!answer) return;
    view.showClock(answer);
    const waiting = (answer.waiting || []).map((w) => `${w.pipeline} / ${w.stage} / ${w.action} (${w.on})`);
    result.textContent = answer.settled
      ? 'Settled: nothing is left to run on the clock.'
      : `Settled as far as the clock goes; waiting on: ${waiting.join('; ') || 'nothing'}.`;
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'clock-title' },
    h('h2', { id: 'clock-title' }, 'Clock'), view.clock, form, result);
}

function rulesPanel(view) {
  const input = () => h('input', { autocomplete: 'off', spellcheck: 'false' });
  const rule = {
    pipeline: input(), stage: input(), action: input(),
    result: selectEl(['Succeeded', 'Failed'], 'Succeeded'),
    errorMessage: input(),
    times: h('input', { type: 'text', inputmode: 'numeric', autocomplete: 'off' }),
  };
  const form = h('form', { class: 'rule-form', 'aria-labelledby': 'rules-title' },
    h('fieldset', {}, h('legend', {}, 'Match (empty means any; * and ? are wildcards)'),
      field('Pipeline', rule.pipeline), field('Stage', rule.stage), field('Action', rule.action)),
    h('div', { class: 'rule-result' },
      field('Result', rule.result), field('Error message', rule.errorMessage),
      field('Times', rule.times, 'Empty means every time.')),
    h('div', { class: 'buttons' }, h('button', { type: 'submit' }, 'Add rule')));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const match = {};
    for (const k of ['pipeline', 'stage', 'action']) if (rule[k].value.trim()) match[k] = rule[k].value.trim();
    const body = { match, result: rule.result.value };
    if (rule.errorMessage.value.trim()) body.errorMessage = rule.errorMessage.value.trim();
    const times = rule.times.value.trim();
    if (times) body.times = Number.isNaN(Number(times)) ? times : Number(times);
    const added = await userAction(() => control('POST', '/_sluice/outcomes', body));
    if (!added) return;
    for (const k of ['pipeline', 'stage', 'action', 'errorMessage', 'times']) rule[k].value = '';
    await userAction(() => view.loadRules());
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'rules-title' },
    h('h2', { id: 'rules-title' }, 'Outcome rules'),
    h('p', { class: 'hint' }, 'Decide how simulated actions end.'),
    form, view.rules);
}

/* ---------- Not found ---------- */

function notFoundView() {
  return {
    title: 'Not found',
    mount: (root) => root.append(heading('Not found'),
      h('p', {}, 'This page does not exist. ', h('a', { href: '#/' }, 'Go to the pipelines.'))),
    load: async () => {},
  };
}

/* ------------------------------------------------------------------ */
/* Routing                                                              */
/* ------------------------------------------------------------------ */

function decode(part) {
  try {
    return decodeURIComponent(part);
  } catch (_) {
    return part;
  }
}

function viewForHash(hash) {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decode);
  if (parts.length === 0) return ['pipelines', pipelinesView()];
  if (parts[0] === 'events' && parts.length === 1) return ['events', eventsView()];
  if (parts[0] === 'controls' && parts.length === 1) return ['controls', controlsView()];
  if (parts[0] === 'pipelines' && parts.length >= 2) {
    if (parts.length === 2) return ['pipelines', pipelineView(parts[1])];
    if (parts[2] === 'executions' && parts.length === 3) return ['pipelines', historyView(parts[1])];
    if (parts[2] === 'executions' && parts.length === 4) return ['pipelines', executionView(parts[1], parts[3])];
  }
  return [null, notFoundView()];
}

const viewRoot = document.getElementById('view');

function route(moveFocus) {
  routeGen += 1;
  beginLoads();
  // A dialog belongs to the view it was opened from.
  // Removed, not closed: closing would hand focus back into the old view.
  for (const d of dialogsRoot.querySelectorAll('dialog')) d.remove();
  const [section, view] = viewForHash(location.hash);
  current = view;
  viewRoot.replaceChildren();
  view.mount(viewRoot);
  document.title = `${view.title} · sluice console`;
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === section) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  if (moveFocus) {
    const h1 = viewRoot.querySelector('h1');
    if (h1) h1.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }
  runLoad(true);
}

// Buttons in a view act through data-do, so patched markup needs no
// listeners of its own.
viewRoot.addEventListener('click', (event) => {
  const button = event.target.closest('button[data-do]');
  if (button && current && current.onClick) current.onClick(button);
});

/* ------------------------------------------------------------------ */
/* Scope inputs                                                         */
/* ------------------------------------------------------------------ */

function setupScope() {
  const form = document.getElementById('scope');
  const account = document.getElementById('scope-account');
  const region = document.getElementById('scope-region');
  account.value = scope.account;
  region.value = scope.region;
  // quiet: while typing, a half-typed value is not an error yet.
  const apply = (quiet) => {
    const a = account.value.trim();
    const r = region.value.trim();
    if (!ACCOUNT_RE.test(a)) {
      if (quiet) return;
      callSeq += 1;
      showError(new ApiError('ValidationException', 'Account must be 12 digits'), callSeq);
      return;
    }
    if (!REGION_RE.test(r)) {
      if (quiet) return;
      callSeq += 1;
      showError(new ApiError('ValidationException', 'Region must look like us-east-1'), callSeq);
      return;
    }
    if (a === scope.account && r === scope.region) return;
    scope.account = a;
    scope.region = r;
    try {
      localStorage.setItem('sluice.account', a);
      localStorage.setItem('sluice.region', r);
    } catch (_) {
      // Storage refused (private mode, quota): the scope still applies.
    }
    // The old scope's loads are dropped; the view loads again at once.
    if (current) {
      beginLoads();
      runLoad(true);
    }
  };
  // A valid value applies shortly after typing stops; leaving the field or
  // pressing Enter applies at once and reports a bad value.
  let typing = 0;
  for (const input of [account, region]) {
    input.addEventListener('input', () => {
      clearTimeout(typing);
      typing = setTimeout(() => apply(true), 300);
    });
    input.addEventListener('change', () => {
      clearTimeout(typing);
      apply(false);
    });
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearTimeout(typing);
    apply(false);
  });
}

/* ------------------------------------------------------------------ */
/* Start                                                                */
/* ------------------------------------------------------------------ */

setupScope();
window.addEventListener('hashchange', () => route(true));
route(false);
startStream();
