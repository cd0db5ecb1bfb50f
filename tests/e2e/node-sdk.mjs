// Drives the official `mixpanel` Node SDK (unchanged, only host/protocol/secret configured)
// against a running Veil server and prints one JSON line with what was sent.
//
// Env: VEIL_HOST (host:port, required), VEIL_TOKEN (required), VEIL_RUN_ID (required),
//      VEIL_SECRET (API secret for /import; import steps are skipped without it),
//      VEIL_PROTOCOL (default https), VEIL_BATCH (track_batch size, default 120),
//      VEIL_TIMEOUT_MS (default 30000).
// TLS: the caller trusts Veil's self-signed cert with NODE_EXTRA_CA_CERTS=<pem>.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Mixpanel = require('mixpanel');

const env = (name, fallback) => {
  const value = process.env[name];
  if (value === undefined || value === '') {
    if (fallback === undefined) {
      finish({ ok: false, sent: {}, errors: [{ step: 'config', message: `${name} is not set` }] }, 2);
    }
    return fallback;
  }
  return value;
};

function finish(result, code) {
  // One line on stdout is the contract with the C# tests. Writes to files and pipes are
  // synchronous on Linux, so exiting at once (keep-alive sockets would hold the process) is safe.
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exit(code);
}

const host = env('VEIL_HOST');
const token = env('VEIL_TOKEN');
const runId = env('VEIL_RUN_ID');
const secret = env('VEIL_SECRET', '');
const protocol = env('VEIL_PROTOCOL', 'https');
const batchSize = Number(env('VEIL_BATCH', '120'));
const timeoutMs = Number(env('VEIL_TIMEOUT_MS', '30000'));

// Deprecation warnings of the SDK go to stderr; stdout stays one JSON line.
const logger = {
  trace: (...a) => console.error(...a),
  debug: (...a) => console.error(...a),
  info: (...a) => console.error(...a),
  warn: (...a) => console.error(...a),
  error: (...a) => console.error(...a),
};

// Tracking client: no credentials, like a normal server app.
const tracker = Mixpanel.init(token, { host, protocol, logger });
// Import client: the legacy API secret, sent as Basic `secret:` by the SDK.
const importer = secret ? Mixpanel.init(token, { host, protocol, secret, logger }) : null;

const distinctId = `node-user-${runId}`;
const aliasId = `node-alias-${runId}`;
const groupId = `node-company-${runId}`;
const sent = {};
const engage = {};
const groups = {};
const skipped = [];
const errors = [];

const count = (bag, key, n = 1) => {
  bag[key] = (bag[key] ?? 0) + n;
};

// Single-request SDK calls call back with one Error or undefined.
const one = (step, call) => new Promise((resolve) => {
  call((err) => {
    if (err) {
      errors.push({ step, message: String(err.message ?? err) });
    }
    resolve(!err);
  });
});

// Batch SDK calls call back with an array of Errors or null.
const many = (step, call) => new Promise((resolve) => {
  call((errs) => {
    for (const err of errs ?? []) {
      errors.push({ step, message: String(err?.message ?? err) });
    }
    resolve(!errs || errs.length === 0);
  });
});

const timer = setTimeout(() => {
  errors.push({ step: 'timeout', message: `not finished after ${timeoutMs} ms` });
  finish({ ok: false, runId, distinctId, sent, engage, groups, skipped, errors }, 1);
}, timeoutMs);

const now = Date.now();

// track: one GET /track with base64 `data` in the query string.
if (await one('track', (cb) => tracker.track('Node Track', { distinct_id: distinctId, run_id: runId, plan: 'pro' }, cb))) {
  count(sent, 'Node Track');
}

// track_batch: POST /track, at most 50 events per request (120 ⇒ 50 + 50 + 20).
const trackBatch = Array.from({ length: batchSize }, (_, i) => ({
  event: 'Node Track Batch',
  properties: { distinct_id: distinctId, run_id: runId, seq: i, time: new Date(now - (batchSize - i) * 1000) },
}));
if (await many('track_batch', (cb) => tracker.track_batch(trackBatch, cb))) {
  count(sent, 'Node Track Batch', batchSize);
}

if (importer) {
  // import: GET /import with Basic auth; time is required and sent in milliseconds.
  const importTime = new Date(now - 2 * 3600 * 1000);
  const importProps = { distinct_id: distinctId, run_id: runId, $insert_id: `ni-${runId}`.slice(0, 36) };
  if (await one('import', (cb) => importer.import('Node Import', importTime, importProps, cb))) {
    count(sent, 'Node Import');
  }

  // import_batch: POST /import in requests of at most 50, spread over the last day.
  const importBatch = Array.from({ length: 60 }, (_, i) => ({
    event: 'Node Import Batch',
    properties: {
      distinct_id: distinctId,
      run_id: runId,
      seq: i,
      time: new Date(now - 86400 * 1000 + i * 60 * 1000),
      $insert_id: `nib-${i}-${runId}`.slice(0, 36),
    },
  }));
  if (await many('import_batch', (cb) => importer.import_batch(importBatch, cb))) {
    count(sent, 'Node Import Batch', importBatch.length);
  }
} else {
  skipped.push('import', 'import_batch');
}

// Profile updates: one GET /engage each, one operator per update.
const profileSteps = [
  ['$set', (cb) => tracker.people.set(distinctId, { plan: 'pro', run_id: runId }, cb)],
  ['$set_once', (cb) => tracker.people.set_once(distinctId, 'first_run', runId, cb)],
  ['$add', (cb) => tracker.people.increment(distinctId, 'logins', 3, cb)],
  ['$append', (cb) => tracker.people.append(distinctId, 'pages', 'home', cb)],
  ['$union', (cb) => tracker.people.union(distinctId, { tags: ['a', 'b'] }, cb)],
];
for (const [op, call] of profileSteps) {
  if (await one(`people ${op}`, call)) {
    count(engage, op);
  }
}

// Group profile: GET /groups.
if (await one('groups $set', (cb) => tracker.groups.set('company', groupId, { industry: 'widgets', run_id: runId }, cb))) {
  count(groups, '$set');
}

// alias: a `$create_alias` event on GET /track.
if (await one('alias', (cb) => tracker.alias(distinctId, aliasId, cb))) {
  count(sent, '$create_alias');
}

clearTimeout(timer);
const ok = errors.length === 0;
finish({ ok, runId, distinctId, aliasId, groupKey: 'company', groupId, sent, engage, groups, skipped, errors }, ok ? 0 : 1);
