#!/usr/bin/env node
// bench/apiserver: creates, gets and lists per second with p50/p99 latency at 1 and 16 concurrent clients
// over HTTPS; watch delivery latency to 100 concurrent watchers; a list of 5,000 pods from the watch cache.
// It starts its own loopback control plane (`nanokube up`, store + apiserver as separate processes) on free
// ports in a temp dir and stops it at the end. Run after `npm run build`: `node bench/apiserver/run.mjs`.
import { adminAgent, call, startUp } from '../lib/cluster.mjs';
import { ms, percentile, runConcurrent, table } from '../lib/stats.mjs';

const quick = process.argv.includes('--quick');
const scale = quick ? 0.2 : 1;

const configMap = (name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { key: 'x'.repeat(200) } });
const pod = (name) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

async function main() {
  const cp = await startUp({ dirPrefix: 'nk-bench-api-' });
  const { origin } = cp;
  const agent = adminAgent(cp.dir);
  const rows = [];
  const serverSide = [];
  try {
    for (const ns of ['bench1', 'bench16', 'watch', 'pods']) {
      await call(agent, origin, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    for (const clients of [1, 16]) {
      const ns = `bench${clients}`;
      const n = Math.round((clients === 1 ? 1000 : 4000) * scale);
      const before = await createBuckets(agent, origin);
      const c = await runConcurrent({ clients, count: n, fn: (i) => call(agent, origin, 'POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(`cm-${i}`)) });
      rows.push([`create configmap`, clients, n, c.perSecond.toFixed(0), ms(percentile(c.latencies, 50)), ms(percentile(c.latencies, 99))]);
      serverSide.push([clients, ...shareWithin(before, await createBuckets(agent, origin))]);
      const g = await runConcurrent({ clients, count: n, fn: (i) => call(agent, origin, 'GET', `/api/v1/namespaces/${ns}/configmaps/cm-${i}`) });
      rows.push([`get configmap`, clients, n, g.perSecond.toFixed(0), ms(percentile(g.latencies, 50)), ms(percentile(g.latencies, 99))]);
      const ln = Math.round(200 * scale);
      const l = await runConcurrent({ clients, count: ln, fn: () => call(agent, origin, 'GET', `/api/v1/namespaces/${ns}/configmaps?limit=100`) });
      rows.push([`list 100 configmaps`, clients, ln, l.perSecond.toFixed(0), ms(percentile(l.latencies, 50)), ms(percentile(l.latencies, 99))]);
    }
    console.log('## apiserver request figures (HTTPS, client certificates, keep-alive)\n');
    console.log(table(['operation', 'clients', 'requests', 'per second', 'p50 ms', 'p99 ms'], rows));
    // Upstream's SLI is the apiserver's own apiserver_request_duration_seconds: the share of creates it
    // answered within 5 and 25 ms (its histogram's bucket bounds), without the client's own time.
    console.log('\n## create configmap, as the apiserver measured it (apiserver_request_duration_seconds)\n');
    console.log(table(['clients', 'within 5 ms', 'within 25 ms', 'within 50 ms'], serverSide));

    // Watch delivery: 100 watchers on one namespace; each create's send time vs each watcher's receipt.
    const watchers = 100;
    const events = Math.round(200 * scale);
    const sentAt = new Map();
    const ackAt = new Map();
    const delays = [];
    const sinceAck = [];
    let received = 0;
    const controllers = [];
    const opened = [];
    for (let w = 0; w < watchers; w++) {
      const ac = new AbortController();
      controllers.push(ac);
      opened.push(
        agent
          .request({ origin, method: 'GET', path: '/api/v1/namespaces/watch/configmaps?watch=true&resourceVersion=0', signal: ac.signal })
          .then(async (res) => {
            let buf = '';
            res.body.on('data', (chunk) => {
              const now = performance.now();
              buf += chunk;
              let nl;
              while ((nl = buf.indexOf('\n')) >= 0) {
                const line = buf.slice(0, nl);
                buf = buf.slice(nl + 1);
                const name = JSON.parse(line).object?.metadata?.name;
                if (sentAt.has(name)) {
                  delays.push(now - sentAt.get(name));
                  if (ackAt.has(name)) sinceAck.push(now - ackAt.get(name));
                  received++;
                }
              }
            });
            res.body.on('error', () => {});
          }),
      );
    }
    await Promise.all(opened);
    await new Promise((r) => setTimeout(r, 500));
    for (let i = 0; i < events; i++) {
      const name = `w-${i}`;
      sentAt.set(name, performance.now());
      await call(agent, origin, 'POST', '/api/v1/namespaces/watch/configmaps', configMap(name));
      ackAt.set(name, performance.now());
    }
    const deadline = Date.now() + 20_000;
    while (received < watchers * events && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    controllers.forEach((c) => c.abort());
    console.log(`\n## watch delivery to ${watchers} watchers (${events} creates, ${received}/${watchers * events} events delivered)\n`);
    console.log(
      table(
        ['measure', 'p50 ms', 'p99 ms', 'max ms'],
        [
          ['create sent -> event at watcher', ms(percentile(delays, 50)), ms(percentile(delays, 99)), ms(Math.max(...delays))],
          ['create acknowledged -> event at watcher', ms(percentile(sinceAck, 50)), ms(percentile(sinceAck, 99)), ms(Math.max(...sinceAck))],
        ],
      ),
    );

    // List of 5,000 pods served from the watch cache.
    const pods = Math.round(5000 * scale);
    const cp5 = await runConcurrent({ clients: 16, count: pods, fn: (i) => call(agent, origin, 'POST', '/api/v1/namespaces/pods/pods', pod(`p-${i}`)) });
    const listRows = [];
    for (const [label, accept] of [
      ['list pods (JSON)', 'application/json'],
      ['list pods (Table, as kubectl get)', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json'],
    ]) {
      const lat = [];
      for (let i = 0; i < 10; i++) {
        const t0 = performance.now();
        const res = await agent.request({ origin, method: 'GET', path: '/api/v1/namespaces/pods/pods', headers: { accept } });
        const text = await res.body.text();
        lat.push(performance.now() - t0);
        if (i === 0 && !text.includes(`p-${pods - 1}`)) throw new Error('list did not return every pod');
      }
      listRows.push([label, pods, ms(percentile(lat, 50)), ms(percentile(lat, 99))]);
    }
    console.log(`\n## list of ${pods} pods (created at ${cp5.perSecond.toFixed(0)}/s with 16 clients)\n`);
    console.log(table(['request', 'items', 'p50 ms', 'p99 ms'], listRows));
  } finally {
    // destroy, not close: close waits for the aborted watch streams and could keep the cluster up.
    await agent.destroy();
    await cp.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

/** createBuckets reads the apiserver's cumulative duration buckets of POST configmaps (le -> count). */
async function createBuckets(agent, origin) {
  const text = await call(agent, origin, 'GET', '/metrics');
  const out = new Map();
  for (const m of text.matchAll(/^apiserver_request_duration_seconds_bucket\{le="([^"]+)",verb="POST",resource="configmaps"\} (\d+)$/gm)) out.set(m[1], Number(m[2]));
  return out;
}

/** shareWithin renders the share of the creates between two bucket readings that took <= 5, 25 and 50 ms. */
function shareWithin(before, after) {
  const delta = (le) => (after.get(le) ?? 0) - (before.get(le) ?? 0);
  const total = delta('+Inf');
  return ['0.005', '0.025', '0.05'].map((le) => (total ? `${((100 * delta(le)) / total).toFixed(1)} %` : '-'));
}
