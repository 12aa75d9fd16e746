// zkrouter explorer: one plain script, no framework and no build step (docs/explorer.md). It talks
// only to the router that served it: JSON-RPC over HTTP POST for reads, one WebSocket for the live
// streams, each resumed from its last cursor after a disconnect. Every text shown is set with
// textContent, never parsed as HTML. Views live in the URL's fragment, so every page can be shared.
'use strict';

(() => {
  // ---------------------------------------------------------------- small helpers
  const $ = (selector, root = document) => root.querySelector(selector);

  /** An element with attributes (on* are listeners, `class`/`text` shortcuts) and children. */
  function h(tag, attrs, ...children) {
    const svg = ['svg', 'g', 'rect', 'line', 'text', 'circle', 'polyline', 'title', 'path'].includes(tag);
    const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag)
                   : document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
      else if (key === 'text') el.textContent = value;
      else if (key === 'class' && !svg) el.className = value;
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  const short = (hex, keep = 6) =>
    typeof hex === 'string' && hex.length > 2 * keep + 4 ? `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}` : hex;
  const time = (ms) => (ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) : '');
  const dateTime = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC') : '');
  const seconds = (ms) => `${(ms / 1000).toFixed(ms < 10000 ? 2 : 1)} s`;
  const number = (n) => (n === null || n === undefined ? '—' : Number(n).toLocaleString('en-US'));
  /** The bytes of 0x-hex `data` as text, if they are all printable ASCII; otherwise null. */
  function printable(data) {
    if (typeof data !== 'string' || data.length < 4 || data.length > 2 + 2 * 4096) return null;
    let text = '';
    for (let i = 2; i < data.length; i += 2) {
      const c = parseInt(data.slice(i, i + 2), 16);
      if (!(c >= 0x20 && c < 0x7f)) return null;
      text += String.fromCharCode(c);
    }
    return text;
  }
  /** Hex that may be long: the first 64 bytes, the whole of it behind a disclosure. */
  function longHex(data) {
    if (typeof data !== 'string') return '—';
    if (data.length <= 2 + 128) return data;
    return h('details', {}, h('summary', { text: `${data.slice(0, 2 + 128)}… (${(data.length - 2) / 2} bytes)` }), data);
  }
  const badge = (status) => h('span', { class: `badge s-${status}`, text: status, 'data-status': status });
  const link = (href, text, attrs = {}) => h('a', { href, text, ...attrs });
  const messageLink = (id) => link(`#/message/${id}`, id, { class: 'mono' });
  const batchLink = (chain, batch) => link(`#/batch/${chain}:${batch}`, `${chain}:${batch}`, { class: 'mono' });

  // ---------------------------------------------------------------- JSON-RPC over HTTP
  class RpcError extends Error {
    constructor(error) {
      super(error.message);
      this.code = error.code;
      this.reason = error.data && error.data.reason;
    }
  }

  let nextId = 1;
  async function post(body) {
    const response = await fetch('/', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok && response.status !== 400)
      throw new RpcError({ message: `the router answered HTTP ${response.status}`, data: { reason: 'unavailable' } });
    return response.json();
  }

  /** One call: its result, or a thrown RpcError. */
  async function call(method, params = []) {
    const answer = await post({ jsonrpc: '2.0', id: nextId++, method, params });
    if (answer.error) throw new RpcError(answer.error);
    return answer.result;
  }

  /** Several calls in JSON-RPC batches of at most 100: for each, {result} or {error: RpcError}. */
  async function callMany(calls) {
    const out = [];
    for (let start = 0; start < calls.length; start += 100) {
      const chunk = calls.slice(start, start + 100).map(([method, params]) =>
        ({ jsonrpc: '2.0', id: nextId++, method, params }));
      const answers = await post(chunk);
      const byId = new Map((Array.isArray(answers) ? answers : [answers]).map((a) => [a.id, a]));
      for (const request of chunk) {
        const a = byId.get(request.id);
        if (!a) out.push({ error: new RpcError({ message: 'no answer', data: { reason: 'internal' } }) });
        else if (a.error) out.push({ error: new RpcError(a.error) });
        else out.push({ result: a.result });
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- live streams over one WebSocket
  // Each subscription remembers the cursor of the last event it handed on. After a disconnect the
  // socket is opened again (backing off up to 5 s) and every subscription resumes from its cursor;
  // an event at or before that cursor is a duplicate and is dropped (and counted).
  class Live {
    constructor(onState) {
      this.subs = new Map();        // local key -> subscription
      this.byServerId = new Map();  // server's subscription id -> subscription
      this.pending = new Map();     // request id -> subscription being subscribed
      this.onState = onState;
      this.state = 'connecting';
      this.reconnects = 0;
      this.duplicates = 0;
      this.backoff = 250;
      this.nextKey = 1;
      this.open();
    }

    setState(state) {
      this.state = state;
      this.onState(state);
    }

    open() {
      const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(`${scheme}://${location.host}/`);
      this.ws = ws;
      ws.onopen = () => {
        this.backoff = 250;
        this.setState('live');
        for (const sub of this.subs.values()) this.send(sub);
      };
      ws.onmessage = (event) => this.receive(event.data);
      ws.onclose = () => {
        if (this.ws !== ws) return;
        this.byServerId.clear();
        this.pending.clear();
        for (const sub of this.subs.values()) sub.serverId = null;
        this.setState('reconnecting');
        this.reconnects++;
        setTimeout(() => this.open(), this.backoff);
        this.backoff = Math.min(this.backoff * 2, 5000);
      };
      ws.onerror = () => {};  // onclose follows and reconnects
    }

    send(sub) {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
      const id = nextId++;
      this.pending.set(id, sub);
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method: 'zkr_subscribe',
                                    params: [sub.topic, sub.filter, sub.cursor] }));
    }

    receive(text) {
      let message;
      try { message = JSON.parse(text); } catch { return; }
      if (message.method === 'zkr_subscription') {
        const sub = this.byServerId.get(message.params.subscription);
        const event = message.params.result;
        if (!sub) return;
        if (event.cursor <= sub.cursor) { this.duplicates++; return; }
        sub.cursor = event.cursor;
        sub.onEvent(event);
        return;
      }
      const sub = this.pending.get(message.id);
      if (!sub) return;
      this.pending.delete(message.id);
      if (message.error) { sub.onError(new RpcError(message.error)); return; }
      if (!this.subs.has(sub.key)) {  // closed while subscribing
        this.ws.send(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'zkr_unsubscribe', params: [message.result] }));
        return;
      }
      sub.serverId = message.result;
      this.byServerId.set(message.result, sub);
    }

    /** Follows `topic` from just after `cursor`; returns a function that stops it. */
    subscribe(topic, filter, cursor, onEvent, onError = (e) => console.warn(`${topic}: ${e.message}`)) {
      const sub = { key: this.nextKey++, topic, filter: filter || {}, cursor, onEvent, onError, serverId: null };
      this.subs.set(sub.key, sub);
      this.send(sub);
      return () => {
        this.subs.delete(sub.key);
        if (sub.serverId && this.ws.readyState === WebSocket.OPEN) {
          this.byServerId.delete(sub.serverId);
          this.ws.send(JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'zkr_unsubscribe', params: [sub.serverId] }));
        }
      };
    }
  }

  const conn = $('#conn');
  const live = new Live((state) => {
    conn.textContent = state === 'live' ? 'live' : state === 'reconnecting' ? 'reconnecting…' : state;
    conn.className = `conn ${state}`;
    conn.dataset.state = state;
  });

  /** Calls fn at most once per `ms`, the last call winning. */
  function throttle(fn, ms) {
    let timer = null;
    let again = false;
    const run = async () => {
      again = false;
      try { await fn(); } catch (e) { console.warn(e.message); }
      timer = again ? setTimeout(run, ms) : null;
    };
    return () => {
      if (timer) again = true;
      else timer = setTimeout(run, ms);
    };
  }

  // ---------------------------------------------------------------- the live stream
  // A bounded table: at most kRows rows are in the DOM, newest first; events arriving faster than
  // frames are drawn once per frame (only the newest kRows of them). Statuses come from the router
  // (zkr_getMessageStatus of one message per batch shown), refreshed when a finality event arrives.
  const kRows = 200;
  const kLog = 50000;
  const stream = {
    received: 0,
    log: [],          // the last kLog (up to 1000 more) messages received, {cursor, id}, oldest first
    queue: [],
    rows: [],         // newest first
    batches: new Map(),  // "chain:batch" -> {rows: Set<tr>, status}
    dirty: new Set(),
    selected: -1,
    paused: false,
    missed: 0,        // messages received while paused
  };
  window.zkrExplorer = {
    stream,
    live,
    get state() { return live.state; },
    get duplicates() { return live.duplicates; },
    get reconnects() { return live.reconnects; },
  };

  const streamView = $('#stream-view');
  const streamCount = h('span', { class: 'muted', id: 'stream-count' });
  const streamBody = h('tbody', { id: 'stream-rows' });
  const pauseButton = h('button', { type: 'button', id: 'pause', 'aria-pressed': 'false', text: 'pause',
                                   title: 'Stop adding rows (p); statuses keep advancing' });
  pauseButton.addEventListener('click', () => togglePause());
  streamView.append(
    h('div', { class: 'toolbar' },
      h('h1', { text: 'Messages, live' }), pauseButton, streamCount,
      h('span', { class: 'muted', text: `newest first; the last ${kRows} are shown` })),
    h('table', { class: 'stream' },
      h('thead', {}, h('tr', {},
        h('th', { text: 'time' }), h('th', { text: 'message' }), h('th', { text: 'source → destination' }),
        h('th', { text: 'sender', class: 'hide-narrow' }), h('th', { text: 'kind' }), h('th', { text: 'status' }))),
      streamBody));

  function destinationOf(m) {
    if (m.destinationChainId !== null && m.destinationChainId !== undefined) return String(m.destinationChainId);
    return m.kind === 'message' ? 'L1 / any' : '—';
  }

  function streamRow(event) {
    const m = event.message;
    const key = `${m.chainId}:${m.batchNumber}`;
    let entry = stream.batches.get(key);
    if (!entry) {
      entry = { rows: new Set(), status: null };
      stream.batches.set(key, entry);
      stream.dirty.add(key);
    }
    const status = entry.status || 'recorded';
    const tr = h('tr', { 'data-id': m.id, 'data-cursor': event.cursor },
      h('td', { class: 'mono', text: time(event.at) }),
      h('td', {}, messageLink(m.id)),
      h('td', { class: 'mono', text: `${m.chainId} → ${destinationOf(m)}` }),
      h('td', { class: 'mono hide-narrow', text: short(m.sender) }),
      h('td', { text: m.kind }),
      h('td', {}, badge(status)));
    tr.batchKey = key;
    entry.rows.add(tr);
    return tr;
  }

  function dropRow(tr) {
    const entry = stream.batches.get(tr.batchKey);
    if (!entry) return;
    entry.rows.delete(tr);
    if (entry.rows.size === 0) { stream.batches.delete(tr.batchKey); stream.dirty.delete(tr.batchKey); }
  }

  // Rows are added at most every kDrawMs (in an animation frame): a person cannot read faster,
  // and the page stays cheap at any message rate.
  const kDrawMs = 250;
  let drawScheduled = false;
  function scheduleDraw() {
    if (drawScheduled) return;
    drawScheduled = true;
    setTimeout(() => requestAnimationFrame(drawStream), kDrawMs);
  }

  function drawStream() {
    drawScheduled = false;
    if (stream.paused) return;  // a draw scheduled before the pause adds nothing
    const events = stream.queue.splice(0, stream.queue.length).slice(-kRows);
    if (events.length === 0) return;
    const fragment = document.createDocumentFragment();
    const fresh = events.reverse().map(streamRow);
    fragment.append(...fresh);
    streamBody.prepend(fragment);
    stream.rows = fresh.concat(stream.rows);
    for (const tr of stream.rows.splice(kRows)) { dropRow(tr); tr.remove(); }
    if (stream.selected >= 0) stream.selected = Math.min(stream.selected + fresh.length, stream.rows.length - 1);
    streamCount.textContent = `${number(stream.received)} received`;
    refreshStatuses();
  }

  function onStreamEvent(event) {
    if (event.kind !== 'message_recorded') return;
    stream.received++;
    stream.log.push({ cursor: event.cursor, id: event.message.id });
    if (stream.log.length > kLog + 1000) stream.log.splice(0, stream.log.length - kLog);  // amortized
    stream.queue.push(event);
    if (stream.queue.length > kRows) stream.queue.splice(0, stream.queue.length - kRows);
    if (stream.paused) {
      stream.missed++;
      streamCount.textContent = `${number(stream.received)} received · paused, ${number(stream.missed)} new`;
      return;
    }
    scheduleDraw();
  }

  /** Pausing keeps the rows shown (their statuses still advance); resuming shows the newest. */
  function togglePause() {
    stream.paused = !stream.paused;
    pauseButton.textContent = stream.paused ? 'resume' : 'pause';
    pauseButton.setAttribute('aria-pressed', String(stream.paused));
    if (!stream.paused) {
      stream.missed = 0;
      scheduleDraw();
    }
  }

  function onFinalityEvent(event) {
    if (event.batchNumber !== undefined && event.chainId !== undefined) {
      const key = `${event.chainId}:${event.batchNumber}`;
      if (stream.batches.has(key)) stream.dirty.add(key);
    } else {
      // A Gateway block or batch moved: any batch shown that is not at the last stage may follow.
      for (const [key, entry] of stream.batches) if (entry.status !== 'l1_final') stream.dirty.add(key);
    }
    refreshStatuses();
  }

  const refreshStatuses = throttle(async () => {
    const keys = [...stream.dirty].slice(0, 100);
    if (keys.length === 0) return;
    for (const key of keys) stream.dirty.delete(key);
    const ids = keys.map((key) => [...stream.batches.get(key).rows][0].dataset.id);
    const answers = await callMany(ids.map((id) => ['zkr_getMessageStatus', [id]]));
    answers.forEach((answer, i) => {
      const entry = stream.batches.get(keys[i]);
      if (!entry || !answer.result) return;
      const status = answer.result.status;
      if (entry.status === status) return;
      entry.status = status;
      for (const tr of entry.rows) tr.lastElementChild.replaceChildren(badge(status));
    });
    if (stream.dirty.size > 0) refreshStatuses();
  }, 400);

  async function startStream() {
    const params = new URLSearchParams(location.hash.split('?')[1] || '');
    const status = await call('zkr_getGatewayStatus');
    // Without ?from=N: the last few thousand events first (so the table is not empty), then live.
    const from = params.has('from') ? Number(params.get('from'))
                                    : Math.max(0, status.lastEventCursor - 3000);
    const filter = {};
    if (params.has('source')) filter.sourceChainId = Number(params.get('source'));
    live.subscribe('messages', filter, from, onStreamEvent);
    live.subscribe('finality', {}, status.lastEventCursor, onFinalityEvent);
  }

  // ---------------------------------------------------------------- proofs, word by word
  /** A label for every word of a proof (spec §4.2–4.3: metadata, paths, masks, chain ids). */
  function proofLabels(words, shape) {
    const labels = [];
    let at = 0;
    for (let node = 0; at < words.length; node++) {
      const meta = words[at];
      const bytes = meta.slice(2);
      const logLen = parseInt(bytes.slice(2, 4), 16);
      const batchLen = parseInt(bytes.slice(4, 6), 16);
      const final = parseInt(bytes.slice(6, 8), 16) !== 0;
      labels.push({ node, text: `metadata (node ${node + 1}: ${logLen} path words, ${batchLen} chain-tree words${final ? ', final' : ''})` });
      at++;
      for (let i = 0; i < logLen && at < words.length; i++, at++) {
        let text;
        if (node === 0) text = i === logLen - 1 && logLen === 15 ? 'aggregated root (the batch root\'s other half)' : `log path ${i + 1}/${logLen - 1}`;
        else if (final && shape === 'B' && i === logLen - 1) text = 'Gateway local root (its batch root\'s other half)';
        else text = `shared-tree path ${i + 1}`;
        labels.push({ node, text });
      }
      if (final) continue;
      labels.push({ node, text: 'batch leaf index in the chain tree' }); at++;
      for (let i = 0; i < batchLen && at < words.length; i++, at++) labels.push({ node, text: `chain-tree path ${i + 1}/${batchLen}` });
      labels.push({ node, text: 'settlement layer: number ≪ 128 | leaf index' }); at++;
      labels.push({ node, text: 'settlement layer chain id' }); at++;
    }
    return labels.slice(0, words.length);
  }

  async function copyText(text, button) {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const area = h('textarea', { class: 'visually-hidden' });
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    button.textContent = 'copied';
    setTimeout(() => { button.textContent = 'copy'; }, 1500);
  }

  function proofPanel(target, answer) {
    const title = target === 'gateway' ? 'Proof for a destination chain (target gateway)' : 'Proof for L1 (target l1)';
    if (answer.error) {
      const will = answer.error.reason === 'not_final';
      return h('div', { class: 'panel', 'data-proof': target, 'data-reason': answer.error.reason },
        h('h2', { text: title }),
        h('p', { class: will ? 'muted' : 'error', text: `${answer.error.reason}: ${answer.error.message}` }),
        will ? h('p', { class: 'muted', text: 'It will exist: this page updates when it does.' }) : null);
    }
    const p = answer.result;
    const labels = proofLabels(p.proof, p.shape);
    const copy = h('button', { type: 'button', text: 'copy', 'aria-label': `copy the ${target} proof as JSON` });
    copy.addEventListener('click', () => copyText(JSON.stringify(p.proof), copy));
    const settled = p.settledRoot || {};
    return h('div', { class: 'panel', 'data-proof': target },
      h('div', { class: 'toolbar' }, h('h2', { text: title }), copy),
      h('dl', { class: 'facts' },
        h('dt', { text: 'shape' }), h('dd', { text: p.shape }),
        h('dt', { text: 'leaf index' }), h('dd', { text: p.id }),
        h('dt', { text: 'batch' }), h('dd', { text: p.batchNumber }),
        p.gatewayBlockNumber !== null ? [h('dt', { text: 'Gateway block' }), h('dd', {}, link(`#/gateway-block/${p.gatewayBlockNumber}`, p.gatewayBlockNumber))] : null,
        p.gatewayBatchNumber !== null ? [h('dt', { text: 'Gateway batch' }), h('dd', {}, link(`#/gateway-batch/${p.gatewayBatchNumber}`, p.gatewayBatchNumber))] : null,
        h('dt', { text: 'message root' }), h('dd', { text: p.root }),
        h('dt', { text: 'settled root' }),
        h('dd', { 'data-settled-root': settled.root, text: `${settled.root} (chain ${settled.chainId}, number ${settled.number})` })),
      h('table', { class: 'proof-words' },
        h('thead', {}, h('tr', {}, h('th', { text: '#' }), h('th', { text: 'word' }), h('th', { text: 'what it is' }))),
        h('tbody', {}, p.proof.map((word, i) => h('tr', { class: i > 0 && labels[i].node !== labels[i - 1].node ? 'node-start' : null },
          h('td', { text: i }), h('td', { class: 'mono break', 'data-word': word, text: word }),
          h('td', { class: 'label', text: labels[i].text }))))));
  }

  // ---------------------------------------------------------------- pages
  const pageView = $('#page-view');
  // Each page gets a handle that draws only while the page is still the one shown (a page whose
  // data arrives after the user moved on draws nothing) and collects what it follows, stopped
  // when the page is left.
  let current = null;
  function pageHandle() {
    const stops = [];
    const v = {
      alive: () => current === v,
      show: (...children) => { if (v.alive()) pageView.replaceChildren(...children); },
      failure: (e) => v.show(h('p', { class: 'error', role: 'alert', text: e.reason ? `${e.reason}: ${e.message}` : e.message })),
      onLeave: (stop) => { if (v.alive()) stops.push(stop); else stop(); },
      leave: () => { for (const stop of stops.splice(0)) stop(); },
    };
    return v;
  }

  function facts(pairs) {
    return h('dl', { class: 'facts' }, pairs.filter(Boolean).map(([name, value]) =>
      [h('dt', { text: name }), h('dd', {}, value instanceof Node ? value : String(value ?? '—'))]));
  }

  /** Re-runs `draw` on finality events of `filter` (throttled) while the page is shown. */
  async function follow(v, filter, draw) {
    const status = await call('zkr_getGatewayStatus');
    if (!v.alive()) return;
    v.onLeave(live.subscribe('finality', filter, status.lastEventCursor, throttle(draw, 300)));
  }

  async function messagePage(v, id) {
    let lastStatus = null;
    const draw = async () => {
      const [status, gateway, l1] = await callMany([
        ['zkr_getMessageStatus', [id]], ['zkr_getProof', [id, 'gateway']], ['zkr_getProof', [id, 'l1']]]);
      if (status.error) { v.failure(status.error); return; }
      const s = status.result;
      const m = s.message;
      const recordedAt = s.timeline[0] && s.timeline[0].at;
      const timeline = h('ol', { class: 'timeline', id: 'timeline' },
        s.timeline.map((t) => h('li', { 'data-stage': t.stage, 'data-reaches': t.reaches || null },
          h('span', {}, t.reaches ? badge(t.reaches) : h('span', { class: 'mono', text: t.stage })),
          h('span', {},
            h('span', { class: 'mono', text: t.stage }), ' · ',
            h('span', { title: dateTime(t.at), text: time(t.at) }),
            recordedAt && t.at >= recordedAt ? h('span', { class: 'muted', text: ` +${seconds(t.at - recordedAt)}` }) : null,
            h('span', { class: 'muted', text: ` · cursor ${t.cursor}` }),
            t.gatewayBlock !== undefined ? [' · Gateway block ', link(`#/gateway-block/${t.gatewayBlock}`, t.gatewayBlock)] : null,
            t.gatewayBatch !== undefined ? [' · Gateway batch ', link(`#/gateway-batch/${t.gatewayBatch}`, t.gatewayBatch)] : null))),
        s.waitingFor ? h('li', { class: 'waiting' }, h('span', { text: 'now waiting for' }), h('span', { text: s.waitingFor })) : null);
      v.show(
        h('div', { class: 'toolbar' }, h('h1', {}, 'Message ', h('span', { class: 'mono', text: m.id })),
          h('span', { id: 'message-status' }, badge(s.status)),
          h('span', { class: 'muted', text: `settles on ${s.settlementLayer}` })),
        h('div', { class: 'cols' },
          h('div', { class: 'panel' }, h('h2', { text: 'Message' }), facts([
            ['source chain', link(`#/chain/${m.chainId}`, m.chainId)],
            ['batch', batchLink(m.chainId, m.batchNumber)],
            ['leaf index', m.index],
            ['transaction', link(`#/tx/${m.txHash}`, m.txHash, { class: 'mono' })],
            ['tx number in batch', m.txNumberInBatch],
            ['kind', m.kind],
            ['sender', m.sender],
            ['destination chain', m.destinationChainId ?? '—'],
            ['data', longHex(m.data)],
            printable(m.data) ? ['data as text', printable(m.data)] : null,
            ['recorded by event', m.cursor]])),
          h('div', { class: 'panel' }, h('h2', { text: 'Finality timeline' }), timeline)),
        h('div', { class: 'cols' }, proofPanel('gateway', gateway), proofPanel('l1', l1)));
      lastStatus = s.status;
    };
    await draw();
    if (lastStatus !== 'l1_final') await follow(v, { sourceChainId: Number(id.split(':')[0]) }, draw);
  }

  async function txPage(v, hash, fromSearch) {
    const messages = await call('zkr_getMessagesByTx', [hash]);
    if (fromSearch && messages.length === 1) { location.hash = `#/message/${messages[0].id}`; return; }
    v.show(h('h1', {}, 'Transaction ', h('span', { class: 'mono break', text: hash })),
      messages.length === 0 ? h('p', { class: 'muted', text: 'No L2→L1 log of this transaction is recorded here.' })
        : h('table', {}, h('thead', {}, h('tr', {}, ['message', 'kind', 'sender', 'destination'].map((t) => h('th', { text: t })))),
          h('tbody', {}, messages.map((m) => h('tr', {}, h('td', {}, messageLink(m.id)), h('td', { text: m.kind }),
            h('td', { class: 'mono', text: m.sender }), h('td', { text: destinationOf(m) }))))));
  }

  async function batchPage(v, chain, batch) {
    const draw = async () => {
      const b = await call('zkr_getBatch', [chain, batch]);
      const count = Math.min(b.logCount, 200);
      const messages = await callMany([...Array(count).keys()].map((i) => ['zkr_getMessage', [`${chain}:${batch}:${i}`]]));
      v.show(h('div', { class: 'toolbar' }, h('h1', {}, 'Batch ', h('span', { class: 'mono', text: `${chain}:${batch}` })),
        h('span', { class: 'badge', text: b.stage }), h('span', { class: 'muted', text: `settles on ${b.settlementLayer}` })),
      h('div', { class: 'cols' },
        h('div', { class: 'panel' }, facts([
          ['chain', link(`#/chain/${chain}`, chain)], ['protocol version', b.protocolVersion], ['logs', b.logCount],
          ['local root', b.localRoot], ['aggregated root', b.aggregatedRoot], ['chain batch root', b.chainBatchRoot],
          b.gatewayBlockNumber !== null && b.gatewayBlockNumber !== undefined ? ['executed in Gateway block', link(`#/gateway-block/${b.gatewayBlockNumber}`, b.gatewayBlockNumber)] : null,
          ['leaf in the chain tree', b.chainTreeIndex ?? '—'],
          batch > 1 ? ['previous', batchLink(chain, batch - 1)] : null,
          ['next', batchLink(chain, batch + 1)]]))),
      h('h2', { text: `Messages${b.logCount > count ? ` (the first ${count} of ${b.logCount})` : ''}` }),
      h('table', {}, h('thead', {}, h('tr', {}, ['message', 'kind', 'sender', 'destination', 'tx'].map((t) => h('th', { text: t })))),
        h('tbody', {}, messages.map((a, i) => a.result
          ? h('tr', {}, h('td', {}, messageLink(a.result.id)), h('td', { text: a.result.kind }), h('td', { class: 'mono', text: short(a.result.sender) }),
            h('td', { text: destinationOf(a.result) }), h('td', {}, link(`#/tx/${a.result.txHash}`, short(a.result.txHash), { class: 'mono' })))
          : h('tr', {}, h('td', { class: 'mono', text: `${chain}:${batch}:${i}` }), h('td', { class: 'error', colspan: 4, text: a.error.message }))))));
    };
    await draw();
    await follow(v, { sourceChainId: chain }, draw);
  }

  function historyText(history) {
    return history.map((h) => `${h.settlementLayer} from batch ${h.fromBatch}`).join(' → ');
  }

  async function chainsPage(v) {
    const draw = async () => {
      const status = await call('zkr_getGatewayStatus');
      const chains = await callMany(status.chains.map((id) => ['zkr_getChain', [id]]));
      v.show(h('h1', { text: `Chains (${status.chains.length}) settling through Gateway ${status.chainId}` }),
        h('table', { id: 'chains' },
          h('thead', {}, h('tr', {}, ['chain', 'layer now', 'recorded', 'committed', 'proven', 'executed', 'settlement layer history', 'own L1 contract']
            .map((t) => h('th', { text: t })))),
          h('tbody', {}, chains.map((a) => {
            if (a.error) return h('tr', {}, h('td', { class: 'error', colspan: 8, text: a.error.message }));
            const c = a.result;
            return h('tr', {}, h('td', {}, link(`#/chain/${c.chainId}`, c.chainId)), h('td', { text: c.settlementLayer }),
              h('td', { text: c.lastRecorded }), h('td', { text: c.lastCommitted }), h('td', { text: c.lastProven }),
              h('td', { text: c.lastExecuted }), h('td', { text: historyText(c.history) }),
              h('td', { class: 'mono', text: c.l1Contract ? short(c.l1Contract) : '—' }));
          }))));
    };
    await draw();
    await follow(v, {}, draw);
  }

  async function chainPage(v, id) {
    const draw = async () => {
      const c = await call('zkr_getChain', [id]);
      const numbers = [];
      for (let n = c.lastRecorded; n >= 1 && numbers.length < 25; n--) numbers.push(n);
      const batches = await callMany(numbers.map((n) => ['zkr_getBatch', [id, n]]));
      v.show(h('div', { class: 'toolbar' }, h('h1', { text: `Chain ${id}` }), h('span', { class: 'badge', text: c.settlementLayer }),
        link(`#/?source=${id}`, 'its live stream')),
      h('div', { class: 'cols' }, h('div', { class: 'panel' }, facts([
        ['settles on', c.settlementLayer], ['last recorded batch', c.lastRecorded], ['last committed', c.lastCommitted],
        ['last proven', c.lastProven], ['last executed', c.lastExecuted], ['own L1 contract', c.l1Contract ?? '—']])),
      h('div', { class: 'panel' }, h('h2', { text: 'Settlement layer history (migrations)' }),
        h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: 'from batch' }), h('th', { text: 'settlement layer' }))),
          h('tbody', {}, c.history.map((x) => h('tr', {}, h('td', { text: x.fromBatch }), h('td', { text: x.settlementLayer }))))))),
      h('h2', { text: 'Latest batches' }),
      h('table', {}, h('thead', {}, h('tr', {}, ['batch', 'layer', 'stage', 'logs', 'Gateway block', 'chain batch root'].map((t) => h('th', { text: t })))),
        h('tbody', {}, batches.map((a) => {
          if (a.error) return null;
          const b = a.result;
          return h('tr', {}, h('td', {}, batchLink(id, b.batchNumber)), h('td', { text: b.settlementLayer }), h('td', { text: b.stage }),
            h('td', { text: b.logCount }), h('td', {}, b.gatewayBlockNumber ? link(`#/gateway-block/${b.gatewayBlockNumber}`, b.gatewayBlockNumber) : '—'),
            h('td', { class: 'mono', text: short(b.chainBatchRoot, 10) }));
        }))));
    };
    await draw();
    await follow(v, { sourceChainId: id }, draw);
  }

  function l1TransactionsTable(txs) {
    return h('table', { class: 'l1-transactions' },
      h('thead', {}, h('tr', {}, ['action', 'batches', 'tx', 'nonce', 'attempt', 'state', 'L1 block', 'gas used', 'revert reason']
        .map((t) => h('th', { text: t })))),
      h('tbody', {}, txs.map((t) => h('tr', {}, h('td', { text: t.action }), h('td', { text: `${t.firstBatch}–${t.lastBatch}` }),
        h('td', { class: 'mono', title: t.txHash, text: short(t.txHash) }), h('td', { text: t.nonce }), h('td', { text: t.attempt }),
        h('td', {}, h('span', { class: 'badge', text: t.state })), h('td', { text: t.l1Block ?? '—' }), h('td', { text: number(t.gasUsed) }),
        h('td', { class: 'error', text: t.revertReason || '' })))));
  }

  async function gatewayPage(v) {
    let blocksBody = null;
    const draw = async () => {
      const status = await call('zkr_getGatewayStatus');
      const last = status.lastSealedBlock || 0;
      const blockNumbers = [];
      for (let n = last; n >= 1 && blockNumbers.length < 20; n--) blockNumbers.push(n);
      const batchNumbers = [];
      for (let n = status.lastGatewayBatch || 0; n >= 1 && batchNumbers.length < 15; n--) batchNumbers.push(n);
      const [roots, batches] = await Promise.all([
        callMany(blockNumbers.map((n) => ['zkr_getInteropRoot', [n]])),
        callMany(batchNumbers.map((n) => ['zkr_getGatewayBatch', [n]]))]);
      blocksBody = h('tbody', { id: 'gateway-blocks' }, roots.map((a, i) => a.result
        ? h('tr', {}, h('td', {}, link(`#/gateway-block/${blockNumbers[i]}`, blockNumbers[i])), h('td', { class: 'mono break', text: a.result.root }))
        : null));
      v.show(h('div', { class: 'toolbar' }, h('h1', { text: `Gateway ${status.chainId}` }),
        h('span', { class: 'muted', text: `last sealed block ${last} · ${status.lastGatewayBatch || 0} Gateway batches · ${status.unbatchedBlocks} blocks not batched yet` })),
      h('div', { class: 'cols' },
        h('div', {}, h('h2', { text: 'Blocks and their interop roots (live)' }),
          h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: 'block' }), h('th', { text: 'interop root (historicalRoot)' }))), blocksBody)),
        h('div', {}, h('h2', { text: 'Gateway batches and their L1 settlement' }),
          h('table', { id: 'gateway-batches' }, h('thead', {}, h('tr', {}, ['batch', 'blocks', 'L1 stage', 'L1 transactions', 'last sent'].map((t) => h('th', { text: t })))),
            h('tbody', {}, batches.map((a) => {
              if (a.error) return null;
              const g = a.result;
              const lastTx = g.l1Transactions[g.l1Transactions.length - 1];
              return h('tr', {}, h('td', {}, link(`#/gateway-batch/${g.number}`, g.number)), h('td', { text: `${g.firstBlock}–${g.lastBlock}` }),
                h('td', {}, h('span', { class: 'badge', text: g.l1Stage })), h('td', { text: g.l1Transactions.length }),
                h('td', { class: 'mono', text: lastTx ? `${lastTx.action} ${lastTx.state}` : '—' }));
            }))))));
    };
    await draw();
    const status = await call('zkr_getGatewayStatus');
    const redraw = throttle(draw, 1000);
    if (!v.alive()) return;
    v.onLeave(live.subscribe('interopRoots', {}, status.lastEventCursor, (event) => {
      if (blocksBody) {
        blocksBody.prepend(h('tr', {}, h('td', {}, link(`#/gateway-block/${event.gatewayBlockNumber}`, event.gatewayBlockNumber)),
          h('td', { class: 'mono break', text: event.detail.root })));
        while (blocksBody.rows.length > 20) blocksBody.lastElementChild.remove();
      }
    }));
    v.onLeave(live.subscribe('batches', {}, status.lastEventCursor, (event) => {
      if (event.kind.startsWith('gateway_batch')) redraw();
    }));
  }

  async function gatewayBlockPage(v, n) {
    const [root, block] = await Promise.all([
      call('zkr_getInteropRoot', [n]),
      fetch(`/chains/${(await call('zkr_getGatewayStatus')).chainId}`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: nextId++, method: 'eth_getBlockByNumber', params: [`0x${n.toString(16)}`, true] }),
      }).then((r) => r.json())]);
    const txs = (block.result && block.result.transactions) || [];
    v.show(h('h1', { text: `Gateway block ${n}` }),
      h('div', { class: 'panel' }, facts([
        ['interop root', root.root], ['block hash', block.result ? block.result.hash : '—'],
        ['time', block.result ? dateTime(Number(block.result.timestamp) * 1000) : '—'],
        n > 1 ? ['previous', link(`#/gateway-block/${n - 1}`, n - 1)] : null, ['next', link(`#/gateway-block/${n + 1}`, n + 1)]])),
      h('h2', { text: 'Settlement steps in this block' }),
      txs.length === 0 ? h('p', { class: 'muted', text: 'none' })
        : h('table', {}, h('thead', {}, h('tr', {}, h('th', { text: 'transaction' }), h('th', { text: 'input (step)' }))),
          h('tbody', {}, txs.map((t) => h('tr', {}, h('td', { class: 'mono break', text: t.hash }), h('td', { class: 'mono', text: short(t.input, 12) }))))));
  }

  async function gatewayBatchPage(v, n) {
    const draw = async () => {
      const [g, cost] = await callMany([['zkr_getGatewayBatch', [n]], ['zkr_getCostReport', { gatewayBatch: n }]]);
      if (g.error) { v.failure(g.error); return; }
      const b = g.result;
      const covered = (b.aggregatedProof && b.aggregatedProof.covered) || [];
      v.show(h('div', { class: 'toolbar' }, h('h1', { text: `Gateway batch ${n}` }), h('span', { class: 'badge', text: b.l1Stage }),
        b.l1Error ? h('span', { class: 'error', text: b.l1Error }) : null),
      h('div', { class: 'cols' },
        h('div', { class: 'panel' }, facts([
          ['blocks', h('span', {}, link(`#/gateway-block/${b.firstBlock}`, b.firstBlock), ' – ', link(`#/gateway-block/${b.lastBlock}`, b.lastBlock))],
          ['local root', b.localRoot], ['shared root', b.sharedRoot], ['batch root', b.batchRoot],
          ['commitments root', b.aggregatedProof ? b.aggregatedProof.commitmentsRoot : '—']])),
        h('div', { class: 'panel' }, h('h2', { text: 'Cost on L1' }), cost.result ? facts([
          ['chain batches covered', cost.result.coveredBatches], ['direct settlement (gas)', number(cost.result.directGas)],
          ['aggregated (gas)', number(cost.result.aggregatedGas)], ['ratio', cost.result.ratio.toFixed(3)],
          cost.result.measuredGas ? ['measured on L1 (gas)', number(cost.result.measuredGas.total)] : null])
          : h('p', { class: 'muted', text: cost.error.message }))),
      h('h2', { text: 'L1 transactions' }), l1TransactionsTable(b.l1Transactions),
      h('h2', { text: `Chain batches covered (${covered.length})` }),
      h('p', {}, covered.map((c) => [batchLink(c.chainId, c.batchNumber), ' '])));
    };
    await draw();
    await follow(v, {}, draw);
  }

  // ---------------------------------------------------------------- charts (inline SVG)
  const W = 900; const H = 260; const top = 10; const bottom = 30;

  /** An empty chart of values 0..max: the SVG with five labelled grid lines, and its y scale. */
  function chartFrame(id, label, left, max, format) {
    const y = (v) => top + (H - top - bottom) * (1 - v / max);
    const svg = h('svg', { class: 'chart', id, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
    for (let i = 0; i <= 4; i++) {
      const v = (max * i) / 4;
      svg.append(h('line', { class: 'axis', x1: left, x2: W - 10, y1: y(v), y2: y(v) }),
        h('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end' }, format(v)));
    }
    return { svg, y };
  }

  function barChart(rows) {
    const left = 70;
    const max = Math.max(1, ...rows.flatMap((r) => [r.directGas, r.aggregatedGas]));
    const slot = (W - left - 10) / Math.max(rows.length, 1);
    const { svg, y } = chartFrame('cost-chart', 'Direct versus aggregated L1 gas per Gateway batch', left, max,
      (v) => `${(v / 1e6).toFixed(1)}M`);
    rows.forEach((r, i) => {
      const x = left + i * slot;
      const w = Math.max(2, slot / 2 - 2);
      svg.append(
        h('rect', { x: x + 1, y: y(r.directGas), width: w, height: y(0) - y(r.directGas), class: 'direct' },
          h('title', {}, `Gateway batch ${r.gatewayBatch}: direct ${number(r.directGas)} gas`)),
        h('rect', { x: x + 1 + w, y: y(r.aggregatedGas), width: w, height: y(0) - y(r.aggregatedGas), class: 'aggregated', 'data-batch': r.gatewayBatch },
          h('title', {}, `Gateway batch ${r.gatewayBatch}: aggregated ${number(r.aggregatedGas)} gas (${(r.ratio * 100).toFixed(1)}%)`)));
      if (rows.length <= 30 || i % Math.ceil(rows.length / 30) === 0)
        svg.append(h('text', { x: x + slot / 2, y: H - 12, 'text-anchor': 'middle' }, r.gatewayBatch));
    });
    svg.append(h('text', { x: W / 2, y: H - 1, 'text-anchor': 'middle' }, 'Gateway batch'));
    return svg;
  }

  function scatterPlot(points) {
    const left = 60;
    const xs = points.map((p) => p.at);
    const x0 = Math.min(...xs); const x1 = Math.max(...xs, x0 + 1);
    const max = Math.max(1, ...points.flatMap((p) => [p.gateway ?? 0, p.l1 ?? 0]));
    const x = (t) => left + (W - left - 10) * ((t - x0) / (x1 - x0));
    const { svg, y } = chartFrame('finality-plot', 'Seconds from recording to Gateway finality and to L1 finality, per chain batch',
      left, max, (v) => `${(v / 1000).toFixed(1)} s`);
    for (const p of points) {
      if (p.gateway !== null) svg.append(h('circle', { cx: x(p.at), cy: y(p.gateway), r: 3, class: 'gw' }, h('title', {}, `${p.batch}: gateway_final after ${seconds(p.gateway)}`)));
      if (p.l1 !== null) svg.append(h('circle', { cx: x(p.at), cy: y(p.l1), r: 3, class: 'l1' }, h('title', {}, `${p.batch}: l1_final after ${seconds(p.l1)}`)));
    }
    svg.append(h('text', { x: W / 2, y: H - 4, 'text-anchor': 'middle' }, `chain batches by the time their first message was recorded (${time(x0)} – ${time(x1)})`));
    return svg;
  }

  async function chartsPage(v) {
    const status = await call('zkr_getGatewayStatus');
    const lastBatch = status.lastGatewayBatch || 0;
    const numbers = [];
    for (let n = lastBatch; n >= 1 && numbers.length < 40; n--) numbers.unshift(n);
    const [totals, ...reports] = await callMany([['zkr_getCostReport', []],
      ...numbers.map((n) => ['zkr_getCostReport', { gatewayBatch: n }])]);
    const costRows = reports.filter((a) => a.result).map((a) => a.result);
    // Time to finality: the first message of every chain batch the last Gateway batches cover.
    const gateways = await callMany(numbers.slice(-12).map((n) => ['zkr_getGatewayBatch', [n]]));
    const covered = gateways.filter((a) => a.result && a.result.aggregatedProof)
      .flatMap((a) => a.result.aggregatedProof.covered).slice(-100);
    const statuses = await callMany(covered.map((c) => ['zkr_getMessageStatus', [`${c.chainId}:${c.batchNumber}:0`]]));
    const points = [];
    statuses.forEach((a, i) => {
      if (!a.result) return;
      const t = a.result.timeline;
      const at = (stage) => { const e = t.find((x) => x.reaches === stage); return e ? e.at : null; };
      const recorded = at('recorded');
      if (recorded === null) return;
      const gw = at('gateway_final');
      const l1 = at('l1_final');
      points.push({ batch: `${covered[i].chainId}:${covered[i].batchNumber}`, at: recorded,
                    gateway: gw === null ? null : gw - recorded, l1: l1 === null ? null : l1 - recorded });
    });
    const t = totals.result || {};
    v.show(h('h1', { text: 'Costs and finality' }),
      h('p', {}, `${number(t.gatewayBatches)} Gateway batches covering ${number(t.coveredBatches)} chain batches: `,
        `${number(t.aggregatedGas)} gas aggregated against ${number(t.directGas)} gas settling each batch directly `,
        t.ratio ? `(${(t.ratio * 100).toFixed(1)}%).` : ''),
      h('h2', { text: `L1 gas per Gateway batch, direct vs aggregated (the last ${costRows.length})` }),
      h('div', { class: 'legend' }, h('span', {}, h('span', { class: 'swatch direct' }), 'each chain batch settled on L1 directly'),
        h('span', {}, h('span', { class: 'swatch aggregated' }), 'the Gateway\'s aggregated submission')),
      costRows.length ? barChart(costRows) : h('p', { class: 'muted', text: 'No Gateway batch sealed yet.' }),
      h('h2', { text: `Time to finality (${points.length} chain batches)` }),
      h('div', { class: 'legend' }, h('span', {}, h('span', { class: 'swatch gw' }), 'to gateway_final'),
        h('span', {}, h('span', { class: 'swatch l1' }), 'to l1_final')),
      points.length ? scatterPlot(points) : h('p', { class: 'muted', text: 'No chain batch has reached the Gateway yet.' }));
  }

  // ---------------------------------------------------------------- search and routing
  /** Where a search goes: a message id, a transaction hash or a batch; null if none fits. */
  function searchTarget(text) {
    const q = text.trim();
    if (/^\d+:\d+:\d+$/.test(q)) return `#/message/${q}`;
    if (/^\d+:\d+$/.test(q)) return `#/batch/${q}`;
    if (/^(0x)?[0-9a-fA-F]{64}$/.test(q)) return `#/tx/${q.startsWith('0x') ? q : `0x${q}`}?search`;
    if (/^\d+$/.test(q)) return `#/chain/${q}`;
    return null;
  }

  $('#search').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = $('#q');
    const target = searchTarget(input.value);
    if (!target) {
      input.setCustomValidity('a message id (270:1:0), a transaction hash (0x + 64 hex digits), a batch (270:1) or a chain id');
      input.reportValidity();
      return;
    }
    input.setCustomValidity('');
    input.blur();
    location.hash = target;
  });
  $('#q').addEventListener('input', (event) => event.target.setCustomValidity(''));

  const routes = [
    [/^#\/message\/(\d+:\d+:\d+)$/, (m, v) => messagePage(v, m[1])],
    [/^#\/tx\/(0x[0-9a-fA-F]{64})(\?search)?$/, (m, v) => txPage(v, m[1], Boolean(m[2]))],
    [/^#\/batch\/(\d+):(\d+)$/, (m, v) => batchPage(v, Number(m[1]), Number(m[2]))],
    [/^#\/chains$/, (m, v) => chainsPage(v), 'chains'],
    [/^#\/chain\/(\d+)$/, (m, v) => chainPage(v, Number(m[1])), 'chains'],
    [/^#\/gateway$/, (m, v) => gatewayPage(v), 'gateway'],
    [/^#\/gateway-block\/(\d+)$/, (m, v) => gatewayBlockPage(v, Number(m[1])), 'gateway'],
    [/^#\/gateway-batch\/(\d+)$/, (m, v) => gatewayBatchPage(v, Number(m[1])), 'gateway'],
    [/^#\/charts$/, (m, v) => chartsPage(v), 'charts'],
  ];

  async function route() {
    if (current) current.leave();
    const v = pageHandle();
    current = v;
    const hash = location.hash || '#/';
    const isStream = hash === '#/' || hash === '#' || hash.startsWith('#/?');
    let view = isStream ? 'stream' : null;
    streamView.hidden = !isStream;
    pageView.hidden = isStream;
    if (!isStream) {
      const found = routes.find(([pattern]) => pattern.test(hash));
      view = found ? found[2] || null : null;
      v.show(h('p', { class: 'muted', text: 'loading…' }));
      document.title = `${hash.slice(2)} · zkrouter explorer`;
      if (!found) {
        v.show(h('p', { class: 'error', role: 'alert', text: `No page at ${hash}. Search for a message id, a transaction hash or chain:batch.` }));
      } else {
        try {
          await found[1](hash.match(found[0]), v);
        } catch (e) {
          v.failure(e);
        }
      }
    } else {
      document.title = 'zkrouter explorer';
    }
    for (const a of document.querySelectorAll('nav a')) {
      if (a.dataset.view === view) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    stream.selected = -1;
  }

  // ---------------------------------------------------------------- keyboard
  function rowsOfView() {
    const root = streamView.hidden ? pageView : streamView;
    return [...root.querySelectorAll('tbody tr')].filter((tr) => tr.querySelector('a'));
  }

  document.addEventListener('keydown', (event) => {
    const typing = ['INPUT', 'TEXTAREA', 'SELECT'].includes(document.activeElement.tagName);
    if (event.key === 'Escape') {
      if (typing) document.activeElement.blur(); else location.hash = '#/';
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === '/') { event.preventDefault(); $('#q').focus(); $('#q').select(); return; }
    const views = { 1: '#/', 2: '#/chains', 3: '#/gateway', 4: '#/charts' };
    if (views[event.key]) { location.hash = views[event.key]; return; }
    if (event.key === 'p' && !streamView.hidden) { togglePause(); return; }
    if (event.key === 'j' || event.key === 'k') {
      // Moving through the stream pauses it, or the rows would move under the selection.
      if (!streamView.hidden && !stream.paused) togglePause();
      const rows = rowsOfView();
      if (rows.length === 0) return;
      const current = rows.findIndex((tr) => tr.classList.contains('selected'));
      const next = current < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, current + (event.key === 'j' ? 1 : -1)));
      if (current >= 0) rows[current].classList.remove('selected');
      rows[next].classList.add('selected');
      rows[next].querySelector('a').focus();
    }
  });

  window.addEventListener('hashchange', route);
  startStream().catch((e) => {
    streamView.prepend(h('p', { class: 'error', role: 'alert', text: `The live stream could not start: ${e.message}` }));
  });
  route();
})();
