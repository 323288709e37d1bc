#!/usr/bin/env node
// Loads the GraphiQL playground of a running `fleetgraph --demo` in headless Chromium and checks
// that subscriptions and queries started from it are authenticated by the header editor.
//
// The page pulls GraphiQL, React and ReactDOM from unpkg.com. This script never lets the browser
// reach the network: every unpkg URL is answered from this folder's node_modules, so it works
// offline and checks the versions the page asks for. See README.md for how to run it.

import { createRequire } from 'node:module';
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { delimiter, dirname, extname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

const BASE = (process.env.FLEETGRAPH_URL ?? 'http://127.0.0.1:8000').replace(/\/$/, '');
const EMAIL = process.env.FLEETGRAPH_EMAIL ?? 'operator@demo.fleetgraph.dev';
const PASSWORD = process.env.FLEETGRAPH_PASSWORD ?? 'demo-operator-pass';
const OUT = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'fleetgraph-playground-check');
// How long to watch the telemetry stream, and how long to wait for the first alert (the demo
// simulator raises one every few tens of seconds across the fleet).
const STREAM_SECONDS = Number(process.env.STREAM_SECONDS ?? 10);
const ALERT_TIMEOUT_SECONDS = Number(process.env.ALERT_TIMEOUT_SECONDS ?? 180);
// Before the page checked tokens over HTTP, GraphiQL's WebSocket client retried a refused
// token for about 40 s; allow for that so that a regression fails on the assertion, not here.
const BAD_TOKEN_TIMEOUT_SECONDS = Number(process.env.BAD_TOKEN_TIMEOUT_SECONDS ?? 90);
const HEADED = process.env.HEADED === '1';

const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? 'ok  ' : 'FAIL'}  ${what}`);
  if (!ok) failures.push(what);
};
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function findChromium() {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const names = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of names) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not here
      }
    }
  }
  throw new Error('no Chromium found on PATH; install one or set CHROMIUM_PATH');
}

async function graphql(query, variables, token) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${BASE}/graphql`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

// --- the CDN, served from node_modules -----------------------------------------------------

const MIME = { '.js': 'application/javascript', '.css': 'text/css', '.map': 'application/json' };
const served = new Map();

function serveUnpkg(route) {
  const url = new URL(route.request().url());
  // /<name>@<range>/<file>, e.g. /react@18/umd/react.development.js
  const m = /^\/((?:@[^/]+\/)?[^@/]+)@([^/]+)\/(.+)$/.exec(url.pathname);
  if (!m) return route.fulfill({ status: 404, body: `unexpected CDN path ${url.pathname}` });
  const [, name, range, file] = m;
  let dir;
  try {
    dir = dirname(require.resolve(`${name}/package.json`));
  } catch {
    failures.push(`the page wants ${name}@${range}, which is not in package.json`);
    return route.fulfill({ status: 404, body: 'not installed' });
  }
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  // The page pins exact versions (with integrity hashes); testing others would prove nothing.
  if (version !== range) {
    failures.push(`the page wants ${name}@${range}, node_modules has ${version}: update package.json`);
  }
  served.set(`${name}@${range}`, version);
  try {
    const body = readFileSync(join(dir, file));
    return route.fulfill({
      status: 200,
      // The page loads these with crossorigin (for the integrity check), as unpkg allows.
      headers: { 'access-control-allow-origin': '*' },
      contentType: MIME[extname(file)] ?? 'application/octet-stream',
      body,
    });
  } catch {
    failures.push(`${name}@${version} has no ${file}`);
    return route.fulfill({ status: 404, body: 'no such file' });
  }
}

async function newPage(browser, { headers, offline = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.route(/^https?:\/\/unpkg\.com\//, offline ? (route) => route.abort() : serveUnpkg);
  // Anything else outside the server is a new external dependency of the page: refuse it, so
  // that it shows up here rather than only on a machine that is online.
  await context.route(
    (url) => url.origin !== new URL(BASE).origin && !url.hostname.endsWith('unpkg.com'),
    (route) => {
      failures.push(`unexpected external request ${route.request().url()}`);
      return route.abort();
    },
  );
  if (headers) {
    // GraphiQL fills the header editor from localStorage at load (it writes it there only with
    // header persistence on, which this page leaves off): a user's saved or pasted headers.
    await context.addInitScript((value) => {
      if (!sessionStorage.getItem('fleetgraph-check-seeded')) {
        localStorage.setItem('graphiql:headers', value);
        sessionStorage.setItem('fleetgraph-check-seeded', '1');
      }
    }, JSON.stringify(headers));
  }
  const page = await context.newPage();
  const log = { inits: [], next: 0, errors: [], closed: 0, sockets: 0, messages: [] };
  page.on('pageerror', (e) => failures.push(`page error: ${e.stack ?? e.message}`));
  if (offline) {
    await page.goto(`${BASE}/graphql`);
    return { context, page, log: null };
  }
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`      console: ${m.text()}`);
  });
  page.on('websocket', (ws) => {
    log.sockets += 1;
    ws.on('framesent', ({ payload }) => {
      const msg = JSON.parse(payload);
      if (msg.type === 'connection_init') log.inits.push(msg.payload ?? null);
    });
    ws.on('framereceived', ({ payload }) => {
      const msg = JSON.parse(payload);
      if (msg.type === 'next') {
        log.next += 1;
        log.messages.push(msg.payload);
      }
      if (msg.type === 'error') log.errors.push(msg.payload);
    });
    ws.on('close', () => (log.closed += 1));
  });
  await page.goto(`${BASE}/graphql`);
  await page.waitForSelector('.graphiql-query-editor .CodeMirror', { timeout: 30_000 });
  return { context, page, log };
}

const editor = (page, selector) => ({
  // GraphiQL parses the query a moment after an edit, on a debounce;
  // running before that would send the previous document.
  set: async (text) => {
    await page.evaluate(([s, t]) => document.querySelector(`${s} .CodeMirror`).CodeMirror.setValue(t), [selector, text]);
    await sleep(1000);
  },
  get: () => page.evaluate((s) => document.querySelector(`${s} .CodeMirror`).CodeMirror.getValue(), selector),
});
const query = (page) => editor(page, '.graphiql-query-editor');
const result = (page) => editor(page, '.result-window');
const run = (page) => page.click('.graphiql-execute-button');

async function waitForResult(page, predicate, seconds) {
  for (let i = 0; i < seconds * 4; i += 1) {
    const text = await result(page).get();
    if (predicate(text)) return text;
    await sleep(250);
  }
  return result(page).get();
}

async function shot(page, name) {
  const path = join(OUT, `${name}.png`);
  await page.screenshot({ path });
  console.log(`      screenshot ${path}`);
}

// --- the checks ------------------------------------------------------------------------------

async function main() {
  mkdirSync(OUT, { recursive: true });
  const login = await graphql(
    'mutation($i: LoginInput!) { login(input: $i) { accessToken role } }',
    { i: { email: EMAIL, password: PASSWORD } },
  );
  const token = login.data?.login?.accessToken;
  if (!token) throw new Error(`login failed: ${JSON.stringify(login)}`);
  console.log(`logged in as ${EMAIL} (${login.data.login.role})`);
  const assets = await graphql('{ assets(first: 3) { edges { node { id code } } } }', {}, token);
  const ids = assets.data.assets.edges.map((e) => e.node.id);
  const telemetry = `subscription {\n  telemetry(assetIds: ${JSON.stringify(ids)}) {\n    readings { assetId metric ts value }\n  }\n}`;
  const alerts = 'subscription {\n  alerts {\n    seq kind\n    alert { title severity status asset { code } }\n  }\n}';
  const authorization = { Authorization: `Bearer ${token}` };

  const browser = await chromium.launch({ executablePath: findChromium(), headless: !HEADED });
  try {
    // 1. No header: the subscription must end with an authentication error, not hang.
    {
      const { context, page, log } = await newPage(browser);
      await query(page).set(telemetry);
      await run(page);
      const text = await waitForResult(page, (t) => t.includes('UNAUTHENTICATED') || t.includes('errors'), 15);
      console.log(`      result pane: ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
      check(text.includes('UNAUTHENTICATED'), 'without a header the subscription shows UNAUTHENTICATED');
      const data = log.messages.filter((m) => m.data?.telemetry).length;
      check(data === 0, `without a header no telemetry arrives (${log.next} results, ${data} with data)`);
      await shot(page, '1-subscription-without-header');
      await context.close();
    }

    // 2. Header seeded in localStorage before the page loads; telemetry streams.
    {
      const { context, page, log } = await newPage(browser, { headers: authorization });
      await query(page).set(telemetry);
      await run(page);
      await waitForResult(page, (t) => t.includes('"readings"'), 15);
      const start = Date.now();
      const first = log.next;
      const views = new Set();
      while (Date.now() - start < STREAM_SECONDS * 1000) {
        views.add(await result(page).get());
        await sleep(200);
      }
      const seconds = (Date.now() - start) / 1000;
      const readings = log.messages.reduce((n, m) => n + (m.data?.telemetry?.readings?.length ?? 0), 0);
      console.log(`      connection_init payloads: ${JSON.stringify(log.inits.map((p) => Object.keys(p ?? {})))}`);
      console.log(`      ${log.next - first} telemetry events in ${seconds.toFixed(1)} s (${log.next} in all, ${readings} readings), ${views.size} distinct result panes`);
      check(log.inits.some((p) => p && /^Bearer /i.test(p.authorization ?? p.Authorization ?? '')), 'connection_init carries the header editor\'s Authorization');
      check(log.next - first >= STREAM_SECONDS / 2, 'telemetry streams into the result pane (seeded localStorage)');
      check(views.size > 1, 'the result pane changes as events arrive');
      check(log.errors.length === 0, `no subscription errors (${JSON.stringify(log.errors)})`);
      await shot(page, '2-telemetry-seeded-header');

      // 3. A query over HTTP with the same header. While a subscription runs, the run button
      // stops it; a second click runs the new query.
      await run(page);
      await page.waitForSelector('.graphiql-execute-button[aria-label^="Execute"]', { timeout: 5_000 }).catch(() => {});
      await query(page).set('{\n  me { user { email } role organization { slug name } }\n}');
      await run(page);
      const text = await waitForResult(page, (t) => t.includes('"me"') || t.includes('errors'), 15);
      check(text.includes(EMAIL) && !text.includes('"errors"'), 'a query over HTTP works with the same header');
      await shot(page, '3-query-with-header');
      await context.close();
    }

    // 4. Header typed into the editor, as a user would; then the alerts subscription.
    {
      const { context, page, log } = await newPage(browser);
      await page.click('.graphiql-editor-tools button[data-name="headers"]');
      await page.click('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror');
      // CodeMirror closes brackets and quotes as they are typed, and types over them again.
      await page.keyboard.type(JSON.stringify(authorization), { delay: 5 });
      await sleep(1000);
      const typed = await editor(page, '.graphiql-editor-tool .graphiql-editor:not(.hidden)').get();
      check(JSON.stringify(JSON.parse(typed)) === JSON.stringify(authorization), `the header editor holds what was typed (${typed.slice(0, 30)}...)`);
      await query(page).set(alerts);
      await run(page);
      const start = Date.now();
      const text = await waitForResult(page, (t) => t.includes('"alerts"') || t.includes('errors'), ALERT_TIMEOUT_SECONDS);
      const waited = (Date.now() - start) / 1000;
      console.log(`      first alert event ${waited.toFixed(1)} s after the run`);
      // Then watch the stream for a while, as for telemetry.
      const first = log.next;
      const watchStart = Date.now();
      while (Date.now() - watchStart < STREAM_SECONDS * 1000) await sleep(250);
      const kinds = log.messages.map((m) => `${m.data?.alerts?.kind} ${m.data?.alerts?.alert?.severity} ${m.data?.alerts?.alert?.asset?.code}`);
      console.log(`      ${log.next - first} more alert events in the next ${STREAM_SECONDS} s; all ${log.next}: ${JSON.stringify(kinds)}`);
      check(text.includes('"alerts"') && !text.includes('"errors"'), 'alert events stream into the result pane (typed header)');
      check(log.inits.length > 0 && log.inits.every((p) => p && /^Bearer /i.test(p.authorization ?? p.Authorization ?? '')), 'connection_init carries the typed Authorization');
      await shot(page, '4-alerts-typed-header');
      await context.close();
    }

    // 5. A bad (or expired) token: the subscription must end with an error, not spin.
    {
      const { context, page, log } = await newPage(browser, { headers: { Authorization: 'Bearer fga_not-a-real-token' } });
      await query(page).set(telemetry);
      await run(page);
      const start = Date.now();
      const text = await waitForResult(page, (t) => t.trim() !== '', BAD_TOKEN_TIMEOUT_SECONDS);
      const waited = (Date.now() - start) / 1000;
      console.log(`      after ${waited.toFixed(1)} s, ${log.sockets} sockets opened; result pane: ${text.replace(/\s+/g, ' ').slice(0, 300)}`);
      check(text.includes('UNAUTHENTICATED'), 'with a bad token the subscription shows UNAUTHENTICATED');
      check(log.sockets === 0, 'a refused token opens no WebSocket (nothing to retry)');
      await shot(page, '5-subscription-bad-token');
      await context.close();
    }

    // 6. The CDN unreachable, as on many shop-floor networks: the page says why it is empty.
    {
      const { context, page } = await newPage(browser, { offline: true });
      const text = await page.textContent('#graphiql');
      console.log(`      page text: ${text.slice(0, 120)}...`);
      check(text.includes('could not load GraphiQL'), 'without the CDN the page explains itself');
      await shot(page, '6-cdn-unreachable');
      await context.close();
    }
  } finally {
    await browser.close();
  }
  for (const [wanted, version] of served) console.log(`served ${wanted} as ${version} from node_modules`);
  if (failures.length) {
    console.log(`\n${failures.length} failed:\n- ${failures.join('\n- ')}`);
    process.exit(1);
  }
  console.log('\nall playground checks passed');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
