#!/usr/bin/env node
// GraphQL-over-HTTP conformance audit (graphql-http's `auditServer`) against a running server.
//
//   node tests/js/audit/audit.mjs http://127.0.0.1:8000/graphql [--json results.json]
//
// Prints every audit (MUST / SHOULD / MAY) with its status, writes a JSON summary (default:
// ./graphql-http-audit.json, or the path after --json, or $AUDIT_JSON) and exits 1 when any
// MUST fails (status "error"), 2 on bad usage or when the server cannot be reached.
import { writeFile } from 'node:fs/promises';
import { auditServer } from 'graphql-http';

function usage(message) {
  console.error(`${message}\nusage: node audit.mjs <graphql-url> [--json <summary.json>]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let url;
let jsonPath = process.env.AUDIT_JSON || 'graphql-http-audit.json';
for (let i = 0; i < args.length; i += 1) {
  if (args[i] === '--json') {
    jsonPath = args[i + 1];
    i += 1;
    if (!jsonPath) usage('--json needs a path');
  } else if (!url) {
    url = args[i];
  } else {
    usage(`unexpected argument: ${args[i]}`);
  }
}
if (!url) usage('missing the GraphQL endpoint URL');
try {
  new URL(url);
} catch {
  usage(`not a URL: ${url}`);
}

let results;
try {
  results = await auditServer({ url });
} catch (error) {
  // auditServer throws only on fatal problems (e.g. the server is unreachable).
  console.error(`audit aborted: ${error?.stack ?? error}`);
  process.exit(2);
}

const levelOf = (name) => name.split(' ', 1)[0]; // "MUST …" | "SHOULD …" | "MAY …"
const summary = { url, counts: {}, failures: { MUST: [], SHOULD: [], MAY: [] }, results: [] };

for (const result of results) {
  const level = levelOf(result.name);
  const passed = result.status === 'ok';
  const entry = { id: result.id, level, name: result.name, status: result.status };
  if (!passed) {
    entry.reason = result.reason;
    if (result.response) {
      entry.responseStatus = result.response.status;
      entry.responseContentType = result.response.headers.get('content-type');
      try {
        entry.responseBody = (await result.response.clone().text()).slice(0, 500);
      } catch {
        // The body was already consumed by the audit itself.
      }
    }
    summary.failures[level].push(entry.id);
  }
  summary.results.push(entry);
  const counts = (summary.counts[level] ??= { total: 0, ok: 0, failed: 0 });
  counts.total += 1;
  counts[passed ? 'ok' : 'failed'] += 1;

  const mark = passed ? 'ok   ' : result.status.padEnd(5);
  console.log(`[${mark}] ${result.id} ${result.name}`);
  if (!passed) {
    console.log(`         reason: ${entry.reason}`);
    if (entry.responseStatus !== undefined) {
      console.log(
        `         response: HTTP ${entry.responseStatus} ${entry.responseContentType ?? ''}` +
          (entry.responseBody ? ` ${entry.responseBody.replace(/\s+/g, ' ').slice(0, 200)}` : ''),
      );
    }
  }
}

console.log('');
for (const level of ['MUST', 'SHOULD', 'MAY']) {
  const c = summary.counts[level] ?? { total: 0, ok: 0, failed: 0 };
  console.log(`${level.padEnd(6)} ${c.ok}/${c.total} passed`);
}
summary.ok = summary.failures.MUST.length === 0;
await writeFile(jsonPath, `${JSON.stringify(summary, null, 2)}\n`);
console.log(`summary written to ${jsonPath}`);

if (!summary.ok) {
  console.error(`MUST failures: ${summary.failures.MUST.join(', ')}`);
  process.exit(1);
}
