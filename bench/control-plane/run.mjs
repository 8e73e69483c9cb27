#!/usr/bin/env node
// bench/control-plane: the whole control plane (`nanokube up --simulated-nodes N`: store, apiserver,
// scheduler, controller-manager, one simulated-kubelet process for all N nodes) on 100 and 1,000 nodes:
//   - scheduler throughput: N pods created as fast as 32 clients can, from the first create sent to the last
//     spec.nodeName seen on a watch;
//   - pod startup latency p50/p99: each pod's create sent (client clock) to Running seen on the watch;
//   - a 3,000-replica Deployment: from its create sent to all 3,000 pods Running on the watch;
//   - peak RSS (VmRSS) of each child process of `up`, sampled every 500 ms.
// Goals (issue #5): >= 300 pods/s bound on 1,000 nodes, 3,000 replicas Running in < 30 s, control plane
// < 1 GiB RSS in total. Run after `npm run build`: `node bench/control-plane/run.mjs [--quick] [--nodes 100,1000]`.
import { readdirSync, readFileSync } from 'node:fs';
import { adminAgent, call, startUp } from '../lib/cluster.mjs';
import { ms, percentile, runConcurrent, table } from '../lib/stats.mjs';

const quick = process.argv.includes('--quick');
const nodesArg = process.argv.indexOf('--nodes');
const nodeCounts = nodesArg > 0 ? process.argv[nodesArg + 1].split(',').map(Number) : quick ? [20] : [100, 1000];
const podCount = quick ? 200 : 1000;
const replicas = quick ? 300 : 3000;
const stepTimeoutMs = quick ? 60_000 : 180_000;

/** callJson is call() with the reply parsed. */
async function callJson(agent, origin, method, path, body) {
  return JSON.parse(await call(agent, origin, method, path, body));
}

/** watchPods lists then watches a namespace's pods, calling onPod(pod, receivedAt) for every object seen. */
async function watchPods(agent, origin, ns, onPod) {
  const list = await callJson(agent, origin, 'GET', `/api/v1/namespaces/${ns}/pods`);
  const now0 = performance.now();
  for (const p of list.items) onPod(p, now0);
  const ac = new AbortController();
  const res = await agent.request({
    origin,
    method: 'GET',
    path: `/api/v1/namespaces/${ns}/pods?watch=true&allowWatchBookmarks=false&resourceVersion=${list.metadata.resourceVersion}`,
    signal: ac.signal,
  });
  let buf = '';
  res.body.setEncoding('utf8');
  res.body.on('data', (chunk) => {
    const now = performance.now();
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.trim()) continue;
      const ev = JSON.parse(line);
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED') onPod(ev.object, now);
    }
  });
  res.body.on('error', () => {});
  return () => ac.abort();
}

/** until waits for cond; on timeout it says so on stderr and returns false (the figure is then a lower bound). */
async function until(what, cond, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) {
      process.stderr.write(`  timed out after ${timeoutMs / 1000} s waiting for ${what}\n`);
      return false;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** children returns the pids whose parent is pid, with their command's nanokube verb. */
function children(pid) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== pid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const verbAt = argv.findIndex((a) => a.endsWith('nanokube.js'));
      const verb = argv[verbAt + 1] ?? argv[0];
      const name = verb === 'kubelet' ? 'kubelet (simulated)' : verb;
      found.push({ pid: Number(entry), name });
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const benchPod = (name) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'sched' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

const deployment = (name, n) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name },
  spec: {
    replicas: n,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { requests: { cpu: '1m', memory: '1Mi' } } }] },
    },
  },
});

const isRunning = (p) => p.status?.phase === 'Running';

async function benchOne(nodes) {
  const t0 = performance.now();
  const cp = await startUp({
    dirPrefix: 'nk-bench-cp-',
    timeoutMs: 90_000,
    extraArgs: [
      '--simulated-nodes', String(nodes),
      // The default 10.244.0.0/16 in /24s has pod CIDRs for 256 nodes only (as upstream); /26s give 1,024.
      ...(nodes > 250 ? ['--controller-manager-flags=--node-cidr-mask-size=26'] : []),
    ],
  });
  const { origin } = cp;
  const agent = adminAgent(cp.dir, 64);
  const peak = new Map();
  const sampler = setInterval(() => {
    for (const c of children(cp.child.pid)) peak.set(c.name, Math.max(peak.get(c.name) ?? 0, rssKiB(c.pid)));
  }, 500);
  const result = { nodes };
  try {
    // All nodes registered and Ready.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const list = await callJson(agent, origin, 'GET', '/api/v1/nodes');
      const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length;
      if (ready >= nodes) break;
      if (Date.now() > deadline) throw new Error(`only ${ready}/${nodes} nodes Ready`);
      await new Promise((r) => setTimeout(r, 500));
    }
    result.nodesReadySeconds = (performance.now() - t0) / 1000;
    for (const ns of ['sched', 'deploy']) await callJson(agent, origin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    // The namespace's default ServiceAccount (admission requires it for pods).
    for (const ns of ['sched', 'deploy']) {
      const saDeadline = Date.now() + 30_000;
      while (Date.now() < saDeadline) {
        try {
          await callJson(agent, origin, 'GET', `/api/v1/namespaces/${ns}/serviceaccounts/default`);
          break;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    }

    // 1. Scheduler throughput and pod startup latency.
    const sentAt = new Map();
    const boundAt = new Map();
    const runningAt = new Map();
    const stopWatch = await watchPods(agent, origin, 'sched', (p, now) => {
      const name = p.metadata.name;
      if (p.spec?.nodeName && !boundAt.has(name)) boundAt.set(name, now);
      if (isRunning(p) && !runningAt.has(name)) runningAt.set(name, now);
    });
    const firstSend = performance.now();
    const created = await runConcurrent({
      clients: 32,
      count: podCount,
      fn: async (i) => {
        sentAt.set(`p-${i}`, performance.now());
        await callJson(agent, origin, 'POST', '/api/v1/namespaces/sched/pods', benchPod(`p-${i}`));
      },
    });
    result.allBound = await until(`${podCount} pods bound`, () => boundAt.size >= podCount, stepTimeoutMs);
    const lastBound = Math.max(...boundAt.values());
    result.allStarted = await until(`${podCount} pods Running`, () => runningAt.size >= podCount, stepTimeoutMs);
    stopWatch();
    const startup = [...runningAt].map(([name, at]) => at - sentAt.get(name));
    result.createPerSecond = created.perSecond;
    result.boundPerSecond = boundAt.size / ((lastBound - firstSend) / 1000);
    process.stderr.write(`  ${boundAt.size} pods bound at ${result.boundPerSecond.toFixed(0)}/s, ${runningAt.size} Running\n`);
    result.startupP50 = percentile(startup, 50);
    result.startupP99 = percentile(startup, 99);

    // 2. A 3,000-replica Deployment to all Running.
    const running = new Set();
    const stopDeployWatch = await watchPods(agent, origin, 'deploy', (p) => {
      if (isRunning(p) && !p.metadata.deletionTimestamp) running.add(p.metadata.name);
    });
    const dSent = performance.now();
    await callJson(agent, origin, 'POST', '/apis/apps/v1/namespaces/deploy/deployments', deployment('big', replicas));
    result.allReplicas = await until(`${replicas} replicas Running`, () => running.size >= replicas, stepTimeoutMs);
    result.deploySeconds = (performance.now() - dSent) / 1000;
    result.replicasRunning = running.size;
    process.stderr.write(`  ${running.size}/${replicas} replicas Running after ${result.deploySeconds.toFixed(1)} s\n`);
    stopDeployWatch();
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    clearInterval(sampler);
    result.rss = [...peak].sort(([a], [b]) => a.localeCompare(b));
    result.totalSeconds = (performance.now() - t0) / 1000;
    await agent.destroy();
    await cp.stop();
  }
  return result;
}

async function main() {
  const results = [];
  for (const n of nodeCounts) {
    process.stderr.write(`running on ${n} simulated nodes...\n`);
    results.push(await benchOne(n));
  }
  console.log(`## control plane on simulated nodes (${podCount} pods, ${replicas}-replica deployment)\n`);
  console.log(
    table(
      ['nodes', 'nodes Ready s', 'pods created/s', 'pods bound/s', 'startup p50 ms', 'startup p99 ms', `${replicas} replicas Running s`],
      results.map((r) => [
        r.nodes,
        r.nodesReadySeconds.toFixed(1),
        r.createPerSecond.toFixed(0),
        `${r.boundPerSecond.toFixed(0)}${r.allBound ? '' : ' (timed out)'}`,
        ms(r.startupP50),
        `${ms(r.startupP99)}${r.allStarted ? '' : ' (timed out)'}`,
        r.allReplicas ? r.deploySeconds.toFixed(1) : `> ${r.deploySeconds.toFixed(0)} (${r.replicasRunning} Running)`,
      ]),
    ),
  );
  console.log('\n## peak RSS (MiB) of the processes `up` started\n');
  const names = [...new Set(results.flatMap((r) => r.rss.map(([n]) => n)))];
  console.log(
    table(
      ['process', ...results.map((r) => `${r.nodes} nodes`)],
      [
        ...names.map((name) => [name, ...results.map((r) => ((r.rss.find(([n]) => n === name)?.[1] ?? 0) / 1024).toFixed(0))]),
        ['control plane total (sum of peaks, without kubelets)', ...results.map((r) => (r.rss.filter(([n]) => !n.startsWith('kubelet')).reduce((s, [, v]) => s + v, 0) / 1024).toFixed(0))],
      ],
    ),
  );
  console.log(`\n(one run: ${results.map((r) => `${r.nodes} nodes ${r.totalSeconds.toFixed(0)} s`).join(', ')})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
