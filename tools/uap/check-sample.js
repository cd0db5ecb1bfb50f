// Checks tests/Veil.Ingest.Tests/Enrichment/Fixtures/uap-sample.tsv against uap's reference implementation
// (uap-ref-impl) running the same uap-core rules Veil embeds. With --write, rewrites the expected columns.
// Run: (cd tools/uap && npm ci && node check-sample.js [--write])
'use strict';
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');

const regexes = yaml.load(fs.readFileSync(require.resolve('uap-core/regexes.yaml'), 'utf8'));
const parser = require('uap-ref-impl')(regexes);
const fixture = path.join(__dirname, '../../tests/Veil.Ingest.Tests/Enrichment/Fixtures/uap-sample.tsv');
const write = process.argv.includes('--write');

let differ = 0;
let cases = 0;
const out = fs.readFileSync(fixture, 'utf8').split('\n').map(line => {
  if (!line || line.startsWith('#')) return line;
  const [kind, ua, family, major] = line.split('\t');
  let r;
  if (kind === 'ua') r = parser.parseUA(ua);
  else if (kind === 'os') r = parser.parseOS(ua);
  else if (kind === 'device') r = { family: parser.parseDevice(ua).family, major: null };
  else throw new Error(`unknown kind '${kind}'`);
  cases++;
  const expectedMajor = kind === 'device' ? '' : (r.major || '');
  if (r.family !== family || expectedMajor !== major) {
    differ++;
    console.log(`${kind}\t${ua}\n    fixture: ${family} ${major}\n    uap-ref-impl: ${r.family} ${expectedMajor}`);
  }
  return [kind, ua, r.family, expectedMajor].join('\t');
});
console.log(`uap: ${differ} of ${cases} cases differ from uap-ref-impl on uap-core ${require('uap-core/package.json').version}`);
if (write) fs.writeFileSync(fixture, out.join('\n'));
else if (differ > 0) process.exitCode = 1;
