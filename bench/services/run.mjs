#!/usr/bin/env node
// bench/services: kube-proxy rule sync time with 10, 100 and 1,000 Services (3 endpoints each).
// For each size: a full sync (every chain, as at start), then a change of one Service's endpoints (the
// partial restore the proxier does after an EndpointSlice update), then a no-op resync. Each figure is
// rule generation + iptables-restore --noflush, measured inside a network namespace the script creates
// and deletes (root and iptables needed). Run after `npm run build`: `node bench/services/run.mjs`.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { buildRestore, ensureJumps, ExecIptables, generateRules } from '@nanokube/proxy';
import { percentile, table } from '../lib/stats.mjs';

const ms = (x) => `${x.toFixed(1)} ms`;

const quick = process.argv.includes('--quick');
const sizes = quick ? [10, 100] : [10, 100, 1000];
const rounds = quick ? 3 : 5;

function servicePort(i) {
  const ns = `ns${i % 10}`;
  const name = `svc${i}`;
  return {
    name: `${ns}/${name}:http`,
    namespace: ns,
    service: name,
    portName: 'http',
    protocol: 'tcp',
    clusterIP: `10.96.${Math.floor(i / 250) + 1}.${(i % 250) + 1}`,
    port: 80,
    nodePort: i % 4 === 0 ? 30000 + i : 0,
    externalIPs: [],
    loadBalancerIPs: [],
    loadBalancerSourceRanges: [],
    externalPolicyLocal: false,
    internalPolicyLocal: false,
    ...(i % 5 === 0 ? { affinityTimeoutSeconds: 10800 } : {}),
  };
}

function endpoints(i, generation) {
  return [0, 1, 2].map((k) => ({
    ip: `10.244.${(i + k + generation) % 200}.${(i % 250) + 2}`,
    port: 8080,
    ready: true,
    serving: true,
    terminating: false,
    isLocal: k === 0,
  }));
}

function services(n, changed = -1) {
  return Array.from({ length: n }, (_, i) => ({ port: servicePort(i), endpoints: endpoints(i, i === changed ? 1 : 0) }));
}

const opts = { clusterCIDR: '10.244.0.0/16', nodePortAddresses: ['192.168.56.101'], nodeIP: '192.168.56.101' };

async function timed(ipt, desired, previous) {
  const t0 = performance.now();
  const rules = desired();
  const input = buildRestore(rules, previous ? { previous } : {});
  const t1 = performance.now();
  if (input.text) await ipt.restore(input.text);
  const t2 = performance.now();
  return { rules, genMs: t1 - t0, restoreMs: t2 - t1, totalMs: t2 - t0, written: input.written, lines: input.text.split('\n').length };
}

async function benchSize(n) {
  const ns = `nk-test-bench-${randomBytes(3).toString('hex')}`;
  const made = spawnSync('ip', ['netns', 'add', ns]);
  if (made.status !== 0) throw new Error(`ip netns add failed: ${made.stderr}`);
  try {
    const ipt = new ExecIptables(['ip', 'netns', 'exec', ns]);
    await ensureJumps(ipt);
    const full = [];
    const change = [];
    const noop = [];
    for (let r = 0; r < rounds; r++) {
      const f = await timed(ipt, () => generateRules(services(n), opts));
      full.push(f);
      const c = await timed(ipt, () => generateRules(services(n, r % n), opts), f.rules);
      change.push(c);
      noop.push(await timed(ipt, () => generateRules(services(n, r % n), opts), c.rules));
    }
    return { n, full, change, noop };
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}

const rows = [];
for (const n of sizes) {
  const { full, change, noop } = await benchSize(n);
  const p50 = (xs, k) => ms(percentile(xs.map((x) => x[k]), 50));
  rows.push([String(n), `${full[0].lines}`, p50(full, 'genMs'), p50(full, 'totalMs'), `${change[0].written}`, p50(change, 'genMs'), p50(change, 'totalMs'), p50(noop, 'totalMs')]);
}
console.log(`# kube-proxy (iptables) sync time, median of ${rounds} rounds\n`);
console.log(
  table(['services', 'restore lines (full)', 'full: generate', 'full: generate+restore', 'change: chains written', 'change: generate', 'change: generate+restore', 'no-op resync'], rows),
);
