// The explorer in a real headless browser (Debian's chromium, driven by puppeteer-core from
// package-lock.json) against a running `zkrouter devnet`, which this script starts, kills and
// restarts itself. It checks what a person would see: the page loads with no console error, the
// live stream grows and its statuses advance, searching a message id opens its page and the
// timeline reaches gateway_final, every word of the proofs shown equals zkr_getProof's answer,
// every view renders, keyboard navigation works, after a kill -9 and restart of the router the
// page reconnects and its stream has no gap and no duplicate (checked against zkr_listMessages),
// and how the page does after 10 000 messages (measured). Screenshots of each view go to --shots.
//
//   node tests/explorer/explorer_test.js --zkrouter build/app/zkrouter --work DIR [--shots DIR]
//        [--chromium /usr/bin/chromium]
//
// Prints one JSON report on stdout; exits 1 with the reason on stderr when a check fails.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const path = require('path');
const puppeteer = require('puppeteer-core');

function args() {
  const out = { chromium: '/usr/bin/chromium', rate: 400 };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) out[argv[i].replace(/^--/, '')] = argv[i + 1];
  for (const need of ['zkrouter', 'work'])
    if (!out[need]) throw new Error(`--${need} is required`);
  return out;
}

// The statuses in their order (docs/api.md, zkr_getMessageStatus).
const order = ['recorded', 'batch_committed', 'batch_proven', 'batch_executed', 'gateway_final',
  'gateway_batch_sealed', 'gateway_batch_committed', 'gateway_batch_proven', 'gateway_batch_executed', 'l1_final'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function check(condition, what) {
  if (!condition) throw new Error(`check failed: ${what}`);
}

// ------------------------------------------------------------------ the devnet, as a child process
class Devnet {
  constructor(opts) {
    this.opts = opts;
    this.dataDir = path.join(opts.work, 'devnet');
    this.port = 0;
    this.starts = 0;
  }

  /** Starts it (fresh the first time, on the same port and data afterwards); resolves with the port. */
  start() {
    const flags = ['devnet', '--plain', '--destination=false', '--data_dir', this.dataDir,
                   '--port', String(this.port), '--rate', String(this.opts.rate)];
    if (this.starts === 0) flags.push('--fresh');
    const log = fs.openSync(path.join(this.opts.work, `devnet-${this.starts}.log`), 'w');
    this.starts++;
    this.child = spawn(this.opts.zkrouter, flags, { stdio: ['ignore', 'pipe', log] });
    return new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(() => reject(new Error(`devnet did not start: ${seen}`)), 60000);
      this.child.stdout.on('data', (chunk) => {
        seen += chunk.toString();
        const m = seen.match(/API on http:\/\/[^:]+:(\d+)/);
        if (m && !this.port) this.port = Number(m[1]);
        if (m) { clearTimeout(timer); resolve(this.port); }
      });
      this.child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`devnet exited (${code ?? signal}); its log: ${this.opts.work}/devnet-${this.starts - 1}.log`));
      });
    });
  }

  kill9() {
    const child = this.child;
    return new Promise((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', resolve);
      child.kill('SIGKILL');
    });
  }

  stop() {
    if (this.child && this.child.exitCode === null) {
      this.child.removeAllListeners('exit');
      this.child.kill('SIGTERM');
    }
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async rpc(method, params = []) {
    const r = await fetch(`${this.url}/`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    const answer = await r.json();
    if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
    return answer.result;
  }
}

// ------------------------------------------------------------------ the browser side
/** Console errors, page errors and failed requests of `page`, by phase. */
function watchErrors(page, errors) {
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => errors.push(`request failed: ${r.url()} ${r.failure() && r.failure().errorText}`));
}

async function newPage(browser, errors) {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  watchErrors(page, errors);
  // Long tasks (over 50 ms on the main thread), for the responsiveness measurement.
  await page.evaluateOnNewDocument(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.longTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  });
  return page;
}

const explorer = (page, fn, ...rest) => page.evaluate(fn, ...rest);
const received = (page) => explorer(page, () => window.zkrExplorer.stream.received);

async function shot(page, opts, name, fullPage = false) {
  if (!opts.shots) return;
  fs.mkdirSync(opts.shots, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(opts.shots, `${name}.png`), fullPage });
}

/** The words a proof panel shows. */
const wordsShown = (page, target) => explorer(page, (t) =>
  [...document.querySelectorAll(`[data-proof="${t}"] td[data-word]`)].map((td) => td.dataset.word), target);

// ------------------------------------------------------------------ the checks
async function run(opts) {
  const report = {};
  const devnet = new Devnet(opts);
  const browser = await puppeteer.launch({
    executablePath: opts.chromium,
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    await devnet.start();
    await browser.defaultBrowserContext().overridePermissions(devnet.url, ['clipboard-read', 'clipboard-write', 'clipboard-sanitized-write']);
    const errors = [];
    const page = await newPage(browser, errors);

    // 1. The page loads and the live stream grows, with statuses advancing as batches settle.
    const loadStart = Date.now();
    await page.goto(`${devnet.url}/`, { waitUntil: 'load' });
    await page.waitForSelector('#stream-rows tr', { timeout: 20000 });
    report.firstRowsMs = Date.now() - loadStart;
    const first = await received(page);
    await sleep(2000);
    const second = await received(page);
    check(second > first, `the stream grows (${first} then ${second} messages)`);
    // Paused (key p), the rows stay and their statuses advance as their batches settle.
    await page.focus('body');
    await page.keyboard.press('p');
    check(await explorer(page, () => window.zkrExplorer.stream.paused), '"p" pauses the stream');
    const pausedIds = await explorer(page, () => [...document.querySelectorAll('#stream-rows tr')].map((tr) => tr.dataset.id));
    await page.waitForFunction(() => [...document.querySelectorAll('#stream-rows [data-status]')]
      .every((b) => b.dataset.status === 'gateway_final' || b.dataset.status.startsWith('gateway_batch') || b.dataset.status === 'l1_final'),
    { timeout: 30000 });
    check(JSON.stringify(pausedIds) === JSON.stringify(await explorer(page, () => [...document.querySelectorAll('#stream-rows tr')].map((tr) => tr.dataset.id))),
          'a paused stream keeps its rows');
    // Each row's status is the router's.
    const shownStatus = await explorer(page, () => [...document.querySelectorAll('#stream-rows tr')].slice(0, 5)
      .map((tr) => [tr.dataset.id, tr.querySelector('[data-status]').dataset.status]));
    await shot(page, opts, 'stream');
    for (const [rowId, rowStatus] of shownStatus) {
      const now = (await devnet.rpc('zkr_getMessageStatus', [rowId])).status;
      check(order.indexOf(now) >= order.indexOf(rowStatus) && order.indexOf(rowStatus) >= order.indexOf('gateway_final'),
            `row ${rowId} shows ${rowStatus}, the router says ${now}`);
    }
    await page.keyboard.press('p');
    await page.waitForFunction((first) => document.querySelector('#stream-rows tr').dataset.id !== first, { timeout: 10000 }, pausedIds[0]);
    check((await page.$eval('#conn', (el) => el.dataset.state)) === 'live', 'the connection shows live');

    // 2. Search a message id just recorded: its page opens and follows it to gateway_final.
    const id = await explorer(page, () => window.zkrExplorer.stream.log.at(-1).id);
    await page.focus('body');
    await page.keyboard.press('/');
    check(await explorer(page, () => document.activeElement.id === 'q'), '"/" focuses the search box');
    await page.keyboard.type(id);
    await page.keyboard.press('Enter');
    await page.waitForFunction((want) => location.hash === `#/message/${want}`, { timeout: 5000 }, id);
    await page.waitForSelector('#timeline li[data-reaches="gateway_final"]', { timeout: 60000 });
    report.searchedMessage = id;
    // Its proofs, word for word against the API (the L1 proof exists once its Gateway batch is sealed).
    await page.waitForSelector('[data-proof="l1"] td[data-word]', { timeout: 60000 });
    for (const target of ['gateway', 'l1']) {
      const shown = await wordsShown(page, target);
      const api = await devnet.rpc('zkr_getProof', [id, target]);
      check(JSON.stringify(shown) === JSON.stringify(api.proof),
            `the ${target} proof shown equals zkr_getProof's word for word (${shown.length} vs ${api.proof.length} words)`);
      const settled = await explorer(page, (t) => document.querySelector(`[data-proof="${t}"] [data-settled-root]`).dataset.settledRoot, target);
      check(settled === api.settledRoot.root, `the ${target} proof's settled root is zkr_getProof's`);
      report[`${target}ProofWords`] = shown.length;
    }
    // The copy button puts the proof on the clipboard as JSON.
    await page.click('[data-proof="gateway"] button');
    const copied = await explorer(page, () => navigator.clipboard.readText());
    check(copied === JSON.stringify(await wordsShown(page, 'gateway')), 'copy puts the gateway proof on the clipboard');
    // A shared link opens the same page in a new tab.
    const shared = await newPage(browser, errors);
    await shared.goto(`${devnet.url}/#/message/${id}`, { waitUntil: 'load' });
    await shared.waitForSelector('#timeline li[data-reaches="gateway_final"]', { timeout: 20000 });
    await shared.close();
    await page.waitForSelector('#timeline li[data-reaches="gateway_batch_sealed"]', { timeout: 30000 });
    await shot(page, opts, 'message', true);

    // 3. Every view, reached by keyboard where there is a key for it.
    const status = await devnet.rpc('zkr_getGatewayStatus');
    await page.focus('body');
    await page.keyboard.press('2');
    await page.waitForFunction((n) => document.querySelectorAll('#chains tbody tr').length === n, { timeout: 10000 }, status.chains.length);
    await shot(page, opts, 'chains');
    await page.evaluate(() => { location.hash = '#/chain/280'; });
    await page.waitForSelector('#page-view h2');
    await page.waitForFunction(() => document.querySelector('#page-view').textContent.includes('Settlement layer history'), { timeout: 10000 });
    await shot(page, opts, 'chain', true);
    await page.keyboard.press('3');
    await page.waitForSelector('#gateway-blocks tr', { timeout: 10000 });
    await page.waitForSelector('#gateway-batches tbody tr', { timeout: 10000 });
    await shot(page, opts, 'gateway');
    // A Gateway batch final on L1, with its L1 transactions.
    const finalBatch = await (async () => {
      for (let n = status.lastGatewayBatch; n >= 1; n--)
        if ((await devnet.rpc('zkr_getGatewayBatch', [n])).l1Stage === 'final') return n;
      return null;
    })();
    check(finalBatch !== null, 'a Gateway batch is final on L1');
    await page.evaluate((n) => { location.hash = `#/gateway-batch/${n}`; }, finalBatch);
    await page.waitForFunction(() => document.querySelectorAll('.l1-transactions tbody tr').length >= 3, { timeout: 10000 });
    await shot(page, opts, 'gateway-batch', true);
    await page.keyboard.press('4');
    await page.waitForSelector('#cost-chart rect.aggregated', { timeout: 20000 });
    await page.waitForSelector('#finality-plot circle.gw', { timeout: 20000 });
    report.costBars = await explorer(page, () => document.querySelectorAll('#cost-chart rect.aggregated').length);
    report.finalityPoints = await explorer(page, () => document.querySelectorAll('#finality-plot circle').length);
    await shot(page, opts, 'charts', true);
    // Back to the stream with Escape; j selects the newest row, Enter opens its message.
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('#stream-view').hidden);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    check(await explorer(page, () => window.zkrExplorer.stream.paused), 'j pauses the stream');
    const selected = await explorer(page, () => document.querySelector('#stream-rows tr.selected').dataset.id);
    check(selected === await explorer(page, () => document.activeElement.closest('tr').dataset.id), 'the selected row has the focus');
    await page.keyboard.press('Enter');
    await page.waitForFunction((want) => location.hash === `#/message/${want}`, { timeout: 10000 }, selected);
    await page.waitForSelector('#timeline');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('#stream-view').hidden);
    await page.keyboard.press('p');
    check(!(await explorer(page, () => window.zkrExplorer.stream.paused)), 'p resumes the stream');
    check(errors.length === 0, `no console error while loading and using every view: ${errors.join('; ')}`);

    // 4. The router is killed (-9) and restarted: the page says so, reconnects, and its stream
    //    continues from its cursor with no gap and no duplicate.
    const beforeKill = await received(page);
    await devnet.kill9();
    await page.waitForFunction(() => document.querySelector('#conn').dataset.state === 'reconnecting', { timeout: 10000 });
    await shot(page, opts, 'reconnecting');
    await sleep(1500);
    await devnet.start();
    await page.waitForFunction(() => document.querySelector('#conn').dataset.state === 'live', { timeout: 30000 });
    await page.waitForFunction((n) => window.zkrExplorer.stream.received > n + 1000, { timeout: 30000 }, beforeKill);
    const log = await explorer(page, () => window.zkrExplorer.stream.log);
    const duplicates = await explorer(page, () => window.zkrExplorer.duplicates);
    check(new Set(log.map((e) => e.id)).size === log.length, 'no message twice in the page\'s stream');
    check(duplicates === 0, `the router sent no event twice after the reconnect (${duplicates} dropped)`);
    // The page's log must be exactly the router's messages over the same cursors.
    const from = log[0].cursor; const to = log.at(-1).cursor;
    const expected = [];
    for (let cursor = from - 1; ;) {
      const pageOf = await devnet.rpc('zkr_listMessages', [{ cursor, limit: 1000 }]);
      for (const m of pageOf.messages) if (m.cursor <= to) expected.push(m.id);
      if (pageOf.messages.length === 0 || pageOf.messages.at(-1).cursor >= to || pageOf.nextCursor === null) break;
      cursor = pageOf.nextCursor;
    }
    check(expected.length === log.length && expected.every((id, i) => id === log[i].id),
          `the page's stream over cursors ${from}..${to} is the router's (${log.length} vs ${expected.length} messages)`);
    report.restart = { receivedBeforeKill: beforeKill, checkedMessages: log.length, fromCursor: from, toCursor: to,
                       reconnects: await explorer(page, () => window.zkrExplorer.reconnects) };
    const unexpected = errors.filter((e) => !/ERR_CONNECTION_REFUSED|WebSocket connection to .* failed|Failed to fetch|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET/.test(e));
    check(unexpected.length === 0, `no console error but the refused connections while the router was down: ${unexpected.join('; ')}`);

    // 5. After 10 000 messages: a page that has streamed them live, and one replaying all of them
    //    at once from cursor 0. Measured: frames per second, the longest main-thread task, the
    //    time to open a message by search, the DOM and JS heap sizes.
    await page.waitForFunction(() => window.zkrExplorer.stream.received >= 10000, { timeout: 120000, polling: 500 });
    report.live = await measure(page, devnet);
    const replay = await newPage(browser, errors);
    const replayStart = Date.now();
    await replay.goto(`${devnet.url}/#/?from=0`, { waitUntil: 'load' });
    await replay.waitForFunction(() => window.zkrExplorer && window.zkrExplorer.stream.received >= 10000, { timeout: 120000, polling: 100 });
    report.replay = { tenThousandMs: Date.now() - replayStart, ...(await measure(replay, devnet)) };
    for (const m of [report.live, report.replay]) {
      check(m.streamRows <= 200, `the stream keeps at most 200 rows (${m.streamRows})`);
      check(m.domElements < 5000, `the DOM stays small (${m.domElements} elements)`);
    }
    await replay.close();
    report.errorsWhileDown = errors.length - unexpected.length;
    return report;
  } finally {
    await browser.close().catch(() => {});
    devnet.stop();
  }
}

/** How `page` responds now: fps over 2 s, longest task, search-to-page time, sizes. */
async function measure(page, devnet) {
  const fps = await explorer(page, () => new Promise((resolve) => {
    let frames = 0;
    const start = performance.now();
    const tick = () => { frames++; if (performance.now() - start < 2000) requestAnimationFrame(tick); else resolve(frames / ((performance.now() - start) / 1000)); };
    requestAnimationFrame(tick);
  }));
  const id = await explorer(page, () => window.zkrExplorer.stream.log.at(-500).id);
  const t0 = Date.now();
  await page.focus('body');
  await page.keyboard.press('/');
  await page.keyboard.type(id);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#timeline', { timeout: 20000 });
  const searchToPageMs = Date.now() - t0;
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('#stream-view').hidden);
  const sizes = await explorer(page, () => ({
    received: window.zkrExplorer.stream.received,
    streamRows: document.querySelectorAll('#stream-rows tr').length,
    domElements: document.getElementsByTagName('*').length,
    jsHeapMiB: Math.round(performance.memory.usedJSHeapSize / 1048576),
    longestTaskMs: Math.round(Math.max(0, ...window.longTasks.map((t) => t.ms))),
    longTasks: window.longTasks.length,
  }));
  check(typeof devnet.port === 'number', 'devnet port');
  return { fps: Math.round(fps), searchToPageMs, ...sizes };
}

run(args()).then((report) => {
  process.stdout.write(`${JSON.stringify(report)}\n`);
}, (e) => {
  process.stderr.write(`${e.stack || e.message}\n`);
  process.exit(1);
});
