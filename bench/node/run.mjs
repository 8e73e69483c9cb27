#!/usr/bin/env node
// bench/node: the node's figures on a real lab with runc pods (root). Pod startup latency (create ->
// Running and Ready, image already on the node) over 30 bare pods the scheduler spreads on 3 workers,
// measured with a watch from the moment each create is sent; the time for a 30-replica deployment to be
// all Ready; each kubelet's RSS and CPU at idle with those 30 pods (/proc/<pid>/status and /proc/<pid>/stat
// over 10 s, pids from the lab's lab.json). Goals: p50 < 1 s, p99 < 2 s, kubelet < 100 MiB RSS.
//
//   node bench/node/run.mjs                 start a lab with a unique prefix in a temp dir, tear it down after
//   node bench/node/run.mjs --use-running   use the running default lab (/var/lib/nanokube/lab), or --dir DIR
//   --pods N (default 30) --gap MS (pause between creates, default 100)
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { percentile, table } from '../lib/stats.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
};
const useRunning = argv.includes('--use-running');
const podCount = Number(opt('pods', '30'));
const gapMs = Number(opt('gap', '100'));
const image = 'nginx:1.14';
const bin = fileURLToPath(new URL('../../packages/cli/bin/nanokube.js', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sec = (v) => (Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : 'n/a');
const log = (line) => process.stderr.write(`${line}\n`);

function nanokube(args, timeoutMs = 300_000) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`nanokube ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

/** client builds a tiny HTTPS client from the lab's admin kubeconfig (client certificate auth). */
function client(adminConf) {
  const cfg = yaml.load(readFileSync(adminConf, 'utf8'));
  const ctxName = cfg['current-context'];
  const ctx = cfg.contexts.find((c) => c.name === ctxName)?.context ?? cfg.contexts[0].context;
  const cluster = cfg.clusters.find((c) => c.name === ctx.cluster).cluster;
  const user = cfg.users.find((u) => u.name === ctx.user).user;
  const pem = (data, file) => (data ? Buffer.from(data, 'base64') : readFileSync(file));
  const url = new URL(cluster.server);
  const tls = {
    ca: pem(cluster['certificate-authority-data'], cluster['certificate-authority']),
    cert: pem(user['client-certificate-data'], user['client-certificate']),
    key: pem(user['client-key-data'], user['client-key']),
  };
  const base = { host: url.hostname, port: Number(url.port || 443), ...tls, agent: false };
  return {
    /** call sends one request and resolves with the status and parsed body. */
    call(method, path, body) {
      return new Promise((resolve, reject) => {
        const req = request({ ...base, method, path, headers: { 'content-type': 'application/json', accept: 'application/json' } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => (text += d));
          res.on('end', () => {
            const parsed = text ? JSON.parse(text) : {};
            if ((res.statusCode ?? 0) >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${parsed.message ?? text}`));
            else resolve(parsed);
          });
        });
        req.on('error', reject);
        req.end(body ? JSON.stringify(body) : undefined);
      });
    },
    /** watch streams watch events of path to onEvent; returns a stop function. */
    watch(path, onEvent) {
      const req = request({ ...base, method: 'GET', path, headers: { accept: 'application/json' } }, (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (d) => {
          buf += d;
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (line) onEvent(JSON.parse(line), performance.now());
          }
        });
        res.on('error', () => {});
      });
      req.on('error', () => {});
      req.end();
      return () => req.destroy();
    },
  };
}

const isReady = (pod) => pod.status?.phase === 'Running' && (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');

function podSpec(name, labels, nodeName) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'nginx', image, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 80 }] }],
    },
  };
}

/** waitGone polls until no pod matches the selector (bounded). */
async function waitGone(api, selector, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const list = await api.call('GET', `/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`);
    if (list.items.length === 0) return;
    await sleep(500);
  }
  throw new Error(`pods ${selector} still there after ${ms} ms`);
}

async function warmUp(api, workers) {
  // Make sure the image is on every worker, so startup figures exclude the pull.
  for (const w of workers) await api.call('POST', '/api/v1/namespaces/default/pods', podSpec(`warm-${w}`, { bench: 'warm' }, w));
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const list = await api.call('GET', '/api/v1/namespaces/default/pods?labelSelector=bench%3Dwarm');
    if (list.items.length === workers.length && list.items.every(isReady)) break;
    await sleep(500);
  }
  await api.call('DELETE', '/api/v1/namespaces/default/pods?labelSelector=bench%3Dwarm');
  await waitGone(api, 'bench=warm');
}

async function podStartup(api) {
  const sent = new Map();
  const ready = new Map();
  const nodes = new Map();
  const stop = api.watch('/api/v1/namespaces/default/pods?watch=1&labelSelector=bench%3Dstartup', (ev, at) => {
    const pod = ev.object;
    const name = pod?.metadata?.name;
    if (!name || ready.has(name) || ev.type === 'DELETED') return;
    if (isReady(pod) && sent.has(name)) {
      ready.set(name, at - sent.get(name));
      nodes.set(name, pod.spec.nodeName);
    }
  });
  await sleep(500); // let the watch open before the first create
  for (let i = 0; i < podCount; i++) {
    const name = `startup-${String(i).padStart(2, '0')}`;
    sent.set(name, performance.now());
    await api.call('POST', '/api/v1/namespaces/default/pods', podSpec(name, { bench: 'startup' }));
    if (gapMs > 0) await sleep(gapMs);
  }
  const deadline = Date.now() + 180_000;
  while (ready.size < podCount && Date.now() < deadline) await sleep(200);
  stop();
  const perNode = {};
  for (const n of nodes.values()) perNode[n] = (perNode[n] ?? 0) + 1;
  const lat = [...ready.values()];
  await api.call('DELETE', '/api/v1/namespaces/default/pods?labelSelector=bench%3Dstartup');
  await waitGone(api, 'bench=startup');
  return { lat, perNode, missing: podCount - lat.length };
}

async function deploymentReady(api) {
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'bench-deploy' },
    spec: {
      replicas: podCount,
      selector: { matchLabels: { bench: 'deploy' } },
      template: { metadata: { labels: { bench: 'deploy' } }, spec: podSpec('x', { bench: 'deploy' }).spec },
    },
  };
  const t0 = performance.now();
  await api.call('POST', '/apis/apps/v1/namespaces/default/deployments', deploy);
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    const d = await api.call('GET', '/apis/apps/v1/namespaces/default/deployments/bench-deploy');
    if ((d.status?.readyReplicas ?? 0) === podCount) return performance.now() - t0;
    await sleep(100);
  }
  return NaN;
}

function procSample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 (utime, stime) are at 11 and 12 after the state field (field 3).
  return { rssKiB, ticks: Number(fields[11]) + Number(fields[12]) };
}

async function kubeletIdle(state) {
  const clk = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  const kubelets = state.components.filter((c) => c.name === 'kubelet' && c.pid);
  const before = new Map(kubelets.map((k) => [k.node, procSample(k.pid)]));
  const t0 = performance.now();
  await sleep(10_000);
  const seconds = (performance.now() - t0) / 1000;
  return kubelets.map((k) => {
    const a = before.get(k.node);
    const b = procSample(k.pid);
    return { node: k.node, pid: k.pid, rssMiB: b.rssKiB / 1024, cpuPct: ((b.ticks - a.ticks) / clk / seconds) * 100 };
  });
}

async function main() {
  let dir = opt('dir', useRunning ? '/var/lib/nanokube/lab' : '');
  let tmp;
  if (!dir) {
    tmp = mkdtempSync(join(tmpdir(), 'nk-bench-node-'));
    dir = join(tmp, 'lab');
    const prefix = `bn${randomBytes(2).toString('hex')}-`;
    log(`starting a lab in ${dir} (prefix ${prefix})`);
    const t0 = performance.now();
    nanokube(['lab', 'up', '--dir', dir, '--prefix', prefix, '--kubeconfig', 'none', '--timeout', '150']);
    log(`lab up in ${sec(performance.now() - t0)}`);
  }
  try {
    const state = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8'));
    const api = client(state.adminConf);
    const workers = state.topology.nodes.filter((n) => n.role !== 'control-plane').map((n) => n.name);
    log(`warming up ${image} on ${workers.join(', ')}`);
    await warmUp(api, workers);
    log(`creating ${podCount} bare pods, ${gapMs} ms apart`);
    const s = await podStartup(api);
    log(`creating a ${podCount}-replica deployment`);
    const deployMs = await deploymentReady(api);
    log('sampling the kubelets for 10 s');
    const idle = await kubeletIdle(state);
    await api.call('DELETE', '/apis/apps/v1/namespaces/default/deployments/bench-deploy').catch(() => {});

    const p50 = percentile(s.lat, 50);
    const p99 = percentile(s.lat, 99);
    const spread = Object.entries(s.perNode).sort().map(([n, c]) => `${n}: ${c}`).join(', ');
    console.log(`## Pod startup (${podCount} bare pods, ${gapMs} ms apart, ${image} already on the nodes; ${spread})\n`);
    console.log(table(['figure', 'value', 'goal'], [
      ['p50 create -> Running and Ready', sec(p50), '< 1 s'],
      ['p99 create -> Running and Ready', sec(p99), '< 2 s'],
      ['max', sec(Math.max(...s.lat)), ''],
      ['pods never Ready', String(s.missing), '0'],
      [`${podCount}-replica deployment create -> all Ready`, sec(deployMs), ''],
    ]));
    console.log(`\n## Kubelets at idle with ${podCount} pods (10 s)\n`);
    console.log(table(['node', 'pid', 'RSS', 'CPU', 'goal'], idle.map((k) => [k.node, String(k.pid), `${k.rssMiB.toFixed(1)} MiB`, `${k.cpuPct.toFixed(1)} %`, '< 100 MiB RSS'])));
  } finally {
    if (tmp) {
      log('tearing the lab down');
      try {
        nanokube(['lab', 'down', '--dir', dir], 180_000);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    }
  }
}

await main();
