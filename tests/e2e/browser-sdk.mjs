// Drives the official `mixpanel-browser` SDK in headless Debian Chromium against a running Veil
// server and prints one JSON line with the requests the SDK made to Veil.
//
// Env: VEIL_HOST (host:port, required), VEIL_TOKEN (required), VEIL_RUN_ID (required),
//      VEIL_EVENTS ("Browser Event" count, default 10), VEIL_PROTOCOL (default https),
//      VEIL_FLUSH_MS (SDK batch_flush_interval_ms; unset = SDK default 5000),
//      VEIL_TIMEOUT_MS (default 30000), VEIL_CHROMIUM (default /usr/bin/chromium).
// TLS: the browser context ignores certificate errors (Veil's cert is self-signed).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkDist = path.join(here, 'node_modules', 'mixpanel-browser', 'dist');

function finish(result, code) {
  // Writes to files and pipes are synchronous on Linux, so exiting right after is safe.
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(code);
}

const env = (name, fallback) => {
  const value = process.env[name];
  if (value === undefined || value === '') {
    if (fallback === undefined) {
      finish({ ok: false, requests: [], errors: [`${name} is not set`] }, 2);
    }
    return fallback;
  }
  return value;
};

const host = env('VEIL_HOST');
const token = env('VEIL_TOKEN');
const runId = env('VEIL_RUN_ID');
const protocol = env('VEIL_PROTOCOL', 'https');
const eventCount = Number(env('VEIL_EVENTS', '10'));
const flushMs = env('VEIL_FLUSH_MS', '');
const timeoutMs = Number(env('VEIL_TIMEOUT_MS', '30000'));
const executablePath = env('VEIL_CHROMIUM', '/usr/bin/chromium');
const apiHost = `${protocol}://${host}`;
const userId = `user-${runId}`;

// The page loads the official async snippet, which fetches the library from
// MIXPANEL_CUSTOM_LIB_URL: here our own static server instead of Mixpanel's CDN.
const snippet = fs.readFileSync(path.join(sdkDist, 'mixpanel-jslib-snippet.min.js'), 'utf8');
const library = fs.readFileSync(path.join(sdkDist, 'mixpanel.min.js'));
const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>Veil e2e</title>
<script>window.MIXPANEL_CUSTOM_LIB_URL = '/mixpanel.min.js';</script>
<script>${snippet}</script>
</head><body><h1>Veil e2e</h1></body></html>`;

const site = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/' || url.pathname === '/index.html') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page);
  } else if (url.pathname === '/mixpanel.min.js') {
    res.writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' });
    res.end(library);
  } else if (url.pathname === '/favicon.ico') {
    res.writeHead(204);
    res.end();
  } else {
    res.writeHead(404);
    res.end();
  }
});
await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
const siteUrl = `http://127.0.0.1:${site.address().port}/`;

// What the test expects to reach Veil: every tracked event and the profile update.
const expected = {
  'Browser Event': eventCount,
  $identify: 1,
  'After Identify': 1,
  'After Reset': 1,
  'engage $set': 1,
};

const requests = [];
const delivered = {};
const errors = [];
let browser;

// The SDK posts `data=<urlencoded base64 JSON array>` (or JSON when api_payload_format is json).
function decodePayload(postData) {
  if (!postData) return [];
  const form = new URLSearchParams(postData);
  const raw = form.get('data');
  if (raw == null) return [];
  const text = raw.trim().startsWith('[') || raw.trim().startsWith('{')
    ? raw
    : Buffer.from(raw, 'base64').toString('utf8');
  const json = JSON.parse(text);
  return Array.isArray(json) ? json : [json];
}

function itemKey(item) {
  if (typeof item.event === 'string') return item.event;
  const op = Object.keys(item).find((k) => k.startsWith('$') && !['$token', '$distinct_id', '$device_id', '$user_id', '$group_key', '$group_id'].includes(k));
  return `${'$group_key' in item ? 'groups' : 'engage'} ${op}`;
}

async function run() {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const tab = await context.newPage();
  tab.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  tab.on('console', (msg) => {
    if (msg.type() === 'error') console.error(`[page] ${msg.text()}`);
  });
  tab.on('requestfailed', (req) => {
    if (req.url().startsWith(apiHost)) {
      errors.push(`request failed: ${new URL(req.url()).pathname} ${req.failure()?.errorText ?? ''}`);
    }
  });
  tab.on('response', async (res) => {
    const req = res.request();
    if (!req.url().startsWith(apiHost)) return;
    const url = new URL(req.url());
    const entry = { url: url.pathname + url.search, method: req.method(), status: res.status() };
    requests.push(entry);
    if (req.method() === 'OPTIONS') return;
    let items = [];
    try {
      items = decodePayload(req.postData());
    } catch (err) {
      errors.push(`cannot decode payload of ${url.pathname}: ${err.message}`);
    }
    entry.items = items.length;
    if (res.status() !== 200) {
      errors.push(`${req.method()} ${url.pathname} answered ${res.status()}`);
      return;
    }
    for (const item of items) {
      const key = itemKey(item);
      delivered[key] = (delivered[key] ?? 0) + 1;
    }
  });

  await tab.goto(siteUrl);
  const config = { api_host: apiHost, debug: false };
  if (flushMs) config.batch_flush_interval_ms = Number(flushMs);

  const ids = await tab.evaluate(async ({ token, config, runId, eventCount, userId }) => {
    // The snippet's stub is replaced once the library loads; `loaded` hands over the real one.
    const mp = await new Promise((resolve) => window.mixpanel.init(token, { ...config, loaded: resolve }));
    const deviceId = mp.get_property('$device_id');
    for (let i = 0; i < eventCount; i++) {
      mp.track('Browser Event', { run_id: runId, seq: i });
    }
    mp.identify(userId);
    mp.people.set({ plan: 'pro' });
    mp.track('After Identify', { run_id: runId });
    mp.reset();
    const deviceIdAfterReset = mp.get_property('$device_id');
    mp.track('After Reset', { run_id: runId });
    return { deviceId, deviceIdAfterReset };
  }, { token, config, runId, eventCount, userId });

  // Done when Veil answered 200 for everything expected and the SDK's own queues are empty,
  // which also proves the SDK could read the answers (CORS with credentials).
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const allDelivered = Object.entries(expected).every(([k, n]) => (delivered[k] ?? 0) >= n);
    const queued = await tab.evaluate((token) => ['_ev', '_pp', '_gr']
      .map((s) => JSON.parse(localStorage.getItem(`__mpq_${token}${s}`) || '[]').length)
      .reduce((a, b) => a + b, 0), token);
    if (allDelivered && queued === 0) break;
    if (Date.now() > deadline) {
      errors.push(`timed out after ${timeoutMs} ms: delivered ${JSON.stringify(delivered)}, still queued ${queued}`);
      break;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return ids;
}

let ids = {};
try {
  ids = await run();
} catch (err) {
  errors.push(String(err?.message ?? err));
}
try {
  await browser?.close();
} catch {
  // The result matters more than a clean browser shutdown.
}
site.close();
const ok = errors.length === 0;
finish({
  ok,
  runId,
  userId,
  deviceId: ids.deviceId ?? null,
  deviceIdAfterReset: ids.deviceIdAfterReset ?? null,
  sent: delivered,
  requests,
  errors,
}, ok ? 0 : 1);
