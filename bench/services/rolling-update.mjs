#!/usr/bin/env node
// bench/services/rolling-update: request success rate and latency through a ClusterIP while its
// Deployment rolls (issue #7; goal: zero failed requests with a readiness probe and a preStop delay, as
// upstream achieves). A 3-replica nginx:1.14 Deployment (readinessProbe httpGet / :80 every 1 s, preStop
// `sleep 5`, terminationGracePeriodSeconds 30, maxUnavailable 0, maxSurge 1) behind a ClusterIP Service; a
// load loop inside the master's network namespace sends one request per new connection (no keep-alive)
// at a fixed rate, from a few seconds before `kubectl set image ... nginx:1.16.0` until `kubectl rollout
// status` completes plus 5 s. Root needed (runc lab, ip netns).
//
//   node bench/services/rolling-update.mjs                 start a lab with a unique prefix in a temp dir, tear it down after
//   node bench/services/rolling-update.mjs --use-running   use the running default lab (/var/lib/nanokube/lab), or --dir DIR
//   --rate N (requests/s, default 50)
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, table } from '../lib/stats.mjs';

const argv = process.argv.slice(2);
const opt = (name, def) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : def;
};
const useRunning = argv.includes('--use-running');
const rate = Number(opt('rate', '50'));
const ns = `bench-ru-${randomBytes(2).toString('hex')}`;
const bin = fileURLToPath(new URL('../../packages/cli/bin/nanokube.js', import.meta.url));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const sec = (v) => (Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : 'n/a');
const msf = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');
const log = (line) => process.stderr.write(`${line}\n`);

function run(cmd, args, timeoutMs, input) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, input });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`);
  return r.stdout;
}
const nanokube = (args, timeoutMs = 300_000) => run(process.execPath, [bin, ...args], timeoutMs);

// The load loop, run by node inside the master's namespace: one request every 1000/RATE ms, each on a
// fresh connection (agent: false), 2 s timeout; stops when its stdin closes (or after 10 min) and prints
// one JSON summary line. A failure is a connection error, a timeout or a status other than 200.
const loader = `
const http = require('node:http');
const [host, rate] = [process.env.TARGET, Number(process.env.RATE)];
const lat = [], errors = {};
let sent = 0, done = 0, stopping = false;
const fail = (why) => { errors[why] = (errors[why] || 0) + 1; };
function one() {
  sent++;
  const t0 = performance.now();
  let settled = false;
  const end = (why) => { if (settled) return; settled = true; done++; if (why) fail(why); else lat.push(performance.now() - t0); };
  const req = http.get({ host, port: 80, path: '/', agent: false, timeout: 2000 }, (res) => {
    res.resume();
    res.on('end', () => end(res.statusCode === 200 ? '' : 'status ' + res.statusCode));
    res.on('error', (e) => end(e.code || e.message));
  });
  req.on('timeout', () => { req.destroy(); end('timeout'); });
  req.on('error', (e) => end(e.code || e.message));
}
const timer = setInterval(() => { if (!stopping) one(); }, 1000 / rate);
function finish() {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  const wait = setInterval(() => {
    if (done < sent) return;
    clearInterval(wait);
    process.stdout.write(JSON.stringify({ sent, lat, errors }) + '\\n');
    process.exit(0);
  }, 50);
}
process.stdin.on('end', finish);
process.stdin.on('close', finish);
process.stdin.resume();
setTimeout(finish, 600000);
`;

function manifests(image) {
  const labels = { app: 'ru' };
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'ru', namespace: ns },
    spec: {
      replicas: 3,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels },
        spec: {
          terminationGracePeriodSeconds: 30,
          containers: [{
            name: 'web',
            image,
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 80 }],
            readinessProbe: { httpGet: { path: '/', port: 80 }, periodSeconds: 1 },
            lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'sleep 5'] } } },
          }],
        },
      },
    },
  };
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'ru', namespace: ns },
    spec: { selector: labels, ports: [{ port: 80, targetPort: 80 }] },
  };
  const nsObj = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
  return { apiVersion: 'v1', kind: 'List', items: [nsObj, deploy, svc] };
}

async function main() {
  let dir = opt('dir', useRunning ? '/var/lib/nanokube/lab' : '');
  let tmp;
  if (!dir) {
    tmp = mkdtempSync(join(tmpdir(), 'nk-bench-ru-'));
    dir = join(tmp, 'lab');
    const prefix = `br${randomBytes(2).toString('hex')}-`;
    log(`starting a lab in ${dir} (prefix ${prefix})`);
    const t0 = performance.now();
    try {
      nanokube(['lab', 'up', '--dir', dir, '--prefix', prefix, '--kubeconfig', 'none', '--timeout', '150']);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true }); // `lab up` undoes its own partial steps
      throw err;
    }
    log(`lab up in ${sec(performance.now() - t0)}`);
  }
  let load;
  let kc;
  try {
    const state = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8'));
    const master = state.topology.nodes.find((n) => n.role === 'control-plane');
    kc = (args, timeoutMs = 60_000, input) => run('kubectl', ['--kubeconfig', state.adminConf, ...args], timeoutMs, input);

    log(`creating namespace ${ns}, deployment ru (3 x nginx:1.14) and service ru`);
    kc(['apply', '-f', '-'], 60_000, JSON.stringify(manifests('nginx:1.14')));
    kc(['-n', ns, 'rollout', 'status', 'deployment/ru', '--timeout=180s'], 200_000);
    const clusterIP = kc(['-n', ns, 'get', 'service', 'ru', '-o', 'jsonpath={.spec.clusterIP}']).trim();
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(clusterIP)) throw new Error(`service ru has no cluster IP: "${clusterIP}"`);
    // Let the proxies program the endpoints before measuring.
    const probe = spawnSync('ip', ['netns', 'exec', master.netns, process.execPath, '-e',
      `const h=require('node:http');let n=0;(function t(){h.get({host:'${clusterIP}',port:80,agent:false,timeout:1000},(r)=>{r.resume();process.exit(r.statusCode===200?0:1)}).on('error',()=>{if(++n<60)setTimeout(t,500);else process.exit(1)})})()`],
    { encoding: 'utf8', timeout: 60_000 });
    if (probe.status !== 0) throw new Error(`cluster IP ${clusterIP} does not answer from ${master.netns}: ${probe.stderr}`);

    log(`load: ${rate} req/s to ${clusterIP}:80 from netns ${master.netns}`);
    load = spawn('ip', ['netns', 'exec', master.netns, process.execPath, '-e', loader], {
      env: { ...process.env, TARGET: clusterIP, RATE: String(rate) },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    load.stdout.setEncoding('utf8');
    load.stdout.on('data', (d) => (out += d));
    const exited = new Promise((r) => load.on('exit', r));
    await sleep(3000);

    log('rolling to nginx:1.16.0');
    const t0 = performance.now();
    kc(['-n', ns, 'set', 'image', 'deployment/ru', 'web=nginx:1.16.0']);
    let rolloutMs = NaN;
    const status = spawn('kubectl', ['--kubeconfig', state.adminConf, '-n', ns, 'rollout', 'status', 'deployment/ru', '--timeout=240s'], { stdio: 'ignore' });
    const code = await new Promise((r) => status.on('exit', r));
    if (code === 0) rolloutMs = performance.now() - t0;
    else log(`kubectl rollout status exited ${code}`);
    await sleep(5000);
    load.stdin.end();
    await Promise.race([exited, sleep(15_000)]);
    const result = JSON.parse(out.trim().split('\n').pop() || '{}');
    load = undefined;
    if (!result.lat) throw new Error(`load loop printed no summary: ${out}`);

    const failures = Object.values(result.errors).reduce((a, b) => a + b, 0);
    const why = Object.entries(result.errors).map(([k, v]) => `${k}: ${v}`).join(', ') || 'none';
    console.log(`## Rolling update through a ClusterIP (3 replicas, nginx:1.14 -> nginx:1.16.0, maxSurge 1, maxUnavailable 0, readiness 1 s, preStop sleep 5; ${rate} req/s, one connection per request)\n`);
    console.log(table(['figure', 'value', 'goal'], [
      ['requests', String(result.sent), ''],
      ['failures', `${failures} (${why})`, '0'],
      ['success rate', `${((100 * (result.sent - failures)) / Math.max(1, result.sent)).toFixed(2)} %`, '100 %'],
      ['p50 latency', msf(percentile(result.lat, 50)), ''],
      ['p99 latency', msf(percentile(result.lat, 99)), ''],
      ['rollout duration (set image -> rollout status done)', sec(rolloutMs), ''],
    ]));
  } finally {
    if (load) load.kill('SIGKILL');
    if (kc) {
      try {
        kc(['delete', 'namespace', ns, '--wait=false']);
      } catch {
        // the lab may be going away anyway
      }
    }
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
