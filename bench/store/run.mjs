#!/usr/bin/env node
// Store benchmark: the same workload against a real etcd 3.4 and nanokube's store, side by side.
// Both run as real processes with durability on (etcd fsyncs its WAL; nanokube its log), on
// loopback, with a fresh data dir. Prints a markdown table. Usage:
//   npx tsc -b && node bench/store/run.mjs [--seconds 5]
// Figures are from this machine at this moment: compare the two columns, not across runs.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const argSeconds = process.argv.indexOf('--seconds');
const seconds = argSeconds > 0 ? Number(process.argv[argSeconds + 1]) : 5;
const valueBytes = 256;
const rangeKeys = 1000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: repoRoot, stdio: 'inherit' });
const { EtcdClient } = await import('@nanokube/store');

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function launch(name, cmd, args, url, dataDir) {
  const proc = spawn(cmd, args, { stdio: 'ignore' });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`${url}/v3/maintenance/status`, { method: 'POST', body: '{}' })).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not start`);
    await sleep(100);
  }
  return {
    name,
    url,
    async stop() {
      proc.kill('SIGKILL');
      await new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', r)));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function startEtcd() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nk-bench-etcd-'));
  const url = `http://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  const args = ['--data-dir', dataDir, '--listen-client-urls', url, '--advertise-client-urls', url, '--listen-peer-urls', peer,
    '--initial-advertise-peer-urls', peer, '--initial-cluster', `default=${peer}`, '--log-level', 'error', '--logger', 'zap'];
  return launch('etcd', '/usr/bin/etcd', args, url, dataDir);
}

async function startNanokube() {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nk-bench-store-'));
  const url = `http://127.0.0.1:${await freePort()}`;
  const args = [path.join(repoRoot, 'packages/cli/bin/nanokube.js'), 'store', '--data-dir', dataDir, '--listen-client-urls', url];
  return launch('nanokube', process.execPath, args, url, dataDir);
}

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summarize(latenciesMs, elapsedMs) {
  const sorted = Float64Array.from(latenciesMs).sort();
  return { ops: sorted.length, perSec: (sorted.length * 1000) / elapsedMs, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** putLoad runs `concurrency` loops of sequential puts for `ms` and returns throughput and latency. */
async function putLoad(client, concurrency, ms, prefix) {
  const value = Buffer.alloc(valueBytes, 'v');
  const latencies = [];
  const start = performance.now();
  const end = start + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        await client.put(`${prefix}${w}/${i}`, value);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return summarize(latencies, performance.now() - start);
}

/** rangeLoad fills rangeKeys keys and then reads them all with one range, repeatedly. */
async function rangeLoad(client, ms) {
  const value = Buffer.alloc(valueBytes, 'r');
  for (let i = 0; i < rangeKeys; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, j) => client.put(`/bench/range/${String(i + j).padStart(5, '0')}`, value)));
  }
  const latencies = [];
  const start = performance.now();
  while (performance.now() - start < ms) {
    const t0 = performance.now();
    const r = await client.range('/bench/range/', { prefix: true });
    if (r.kvs.length !== rangeKeys) throw new Error(`range returned ${r.kvs.length} keys`);
    latencies.push(performance.now() - t0);
  }
  return summarize(latencies, performance.now() - start);
}

/** watchLoad measures, for 16 writers, the time from issuing a put to its event reaching a watcher. */
async function watchLoad(client, ms) {
  const issued = new Map();
  const acked = new Map();
  const e2e = [];
  const lag = [];
  const watcher = await client.watch({ key: '/bench/watch/', prefix: true });
  const consumer = watcher.forEach((resp) => {
    const now = performance.now();
    for (const ev of resp.events) {
      const key = ev.kv.key.toString();
      e2e.push(now - issued.get(key));
      // Lag after the writer's ack; the event may even arrive before the ack (then 0).
      const ack = acked.get(key);
      lag.push(ack === undefined ? 0 : Math.max(0, now - ack));
    }
  });
  const value = Buffer.alloc(valueBytes, 'w');
  const end = performance.now() + ms;
  let count = 0;
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; performance.now() < end; i++) {
        const key = `/bench/watch/${w}/${i}`;
        issued.set(key, performance.now());
        await client.put(key, value);
        acked.set(key, performance.now());
        count++;
      }
    }),
  );
  for (const deadline = Date.now() + 10_000; e2e.length < count && Date.now() < deadline; ) await sleep(20);
  await watcher.cancel();
  await consumer;
  if (e2e.length !== count) throw new Error(`watcher saw ${e2e.length} of ${count} events`);
  const s = (xs) => Float64Array.from(xs).sort();
  return { events: count, e2eP50: percentile(s(e2e), 50), e2eP99: percentile(s(e2e), 99), lagP50: percentile(s(lag), 50), lagP99: percentile(s(lag), 99) };
}

async function runBackend(start) {
  const backend = await start();
  const client = new EtcdClient({ endpoint: backend.url, connections: 16 });
  try {
    const version = (await client.status()).version;
    await putLoad(client, 4, 500, '/bench/warm/'); // warm up connections and JIT
    const put1 = await putLoad(client, 1, seconds * 1000, '/bench/p1/');
    const put16 = await putLoad(client, 16, seconds * 1000, '/bench/p16/');
    const range = await rangeLoad(client, Math.min(3, seconds) * 1000);
    const watch = await watchLoad(client, Math.min(3, seconds) * 1000);
    return { name: backend.name, version, put1, put16, range, watch };
  } finally {
    await client.close();
    await backend.stop();
  }
}

const results = [];
if (existsSync('/usr/bin/etcd')) results.push(await runBackend(startEtcd));
else console.error('etcd is not installed (bash deploy/install-deps.sh): measuring nanokube only');
results.push(await runBackend(startNanokube));

const f = (n, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const rows = [
  ['put, 1 client: puts/s', (r) => f(r.put1.perSec, 0)],
  ['put, 1 client: p50 / p99 ms', (r) => `${f(r.put1.p50)} / ${f(r.put1.p99)}`],
  ['put, 16 clients: puts/s', (r) => f(r.put16.perSec, 0)],
  ['put, 16 clients: p50 / p99 ms', (r) => `${f(r.put16.p50)} / ${f(r.put16.p99)}`],
  [`range of ${rangeKeys} keys: ranges/s`, (r) => f(r.range.perSec, 1)],
  [`range of ${rangeKeys} keys: p50 / p99 ms`, (r) => `${f(r.range.p50)} / ${f(r.range.p99)}`],
  ['watch, 16 writers: put issued -> event p50 / p99 ms', (r) => `${f(r.watch.e2eP50)} / ${f(r.watch.e2eP99)}`],
  ['watch, 16 writers: lag after ack p50 / p99 ms', (r) => `${f(r.watch.lagP50)} / ${f(r.watch.lagP99)}`],
];
console.log(`\nStore benchmark: ${valueBytes}-byte values, ${seconds} s per put phase, loopback, durability on.\n`);
console.log(`| metric | ${results.map((r) => `${r.name} (${r.version})`).join(' | ')} |`);
console.log(`|---|${results.map(() => '---:').join('|')}|`);
for (const [label, cell] of rows) console.log(`| ${label} | ${results.map(cell).join(' | ')} |`);
