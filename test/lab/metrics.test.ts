/**
 * Metrics and autoscaling on the real lab (issue #9's verification), as root with runc pods and the real
 * kubectl: `kubectl top nodes` shows the 4 nodes with non-zero usage and `kubectl top pods` a pod's real
 * cgroup usage; a busybox deployment burning CPU in a shell loop is autoscaled (`kubectl autoscale
 * --cpu-percent=50 --min=1 --max=4`) up, with TARGETS `cpu: N%/50%` and never `<unknown>` once metrics
 * exist, then back to 1 once every pod's loop is stopped — with short HPA windows passed through
 * `lab up --controller-manager-flags`. Then every component's Prometheus `/metrics` is scraped where it
 * serves it: the apiserver through kubectl, the kubelets on :10250 with the admin's client certificate,
 * the proxies on each node's 127.0.0.1:10249, the scheduler (10259), controller-manager (10257) and store
 * (2379) on the master's loopback, and the cluster DNS on the master's :9153.
 * Skipped without runc, the offline images, kubectl, or when this host already has an address in
 * 192.168.56.0/24 (a lab is up). Run it under `flock /tmp/nanokube-lab.lock`.
 */
import { Resolver } from 'node:dns/promises';
import { Agent, request } from 'undici';
import { describe, expect, it } from 'vitest';
import { loadKubeconfig } from '@nanokube/pki';
import { metricValue } from '../helpers/prometheus.js';
import { canRunLab, nanokube, useLab, waitFor } from './fixture.js';

const enabled = await canRunLab({ runc: true });

/** Short HPA windows so the test sees a scale-down within a minute (defaults: 15s, 5m0s, 5m0s, 30s). */
const hpaFlags = [
  '--horizontal-pod-autoscaler-sync-period=5s',
  '--horizontal-pod-autoscaler-downscale-stabilization=15s',
  '--horizontal-pod-autoscaler-cpu-initialization-period=10s',
  '--horizontal-pod-autoscaler-initial-readiness-delay=5s',
].join(' ');

// Fetches a URL from inside a node's network namespace (no TLS verification: self-signed health ports).
const fetchScript = `
const u = new URL(process.argv[1]);
const m = require(u.protocol === 'https:' ? 'node:https' : 'node:http');
m.get(u, { rejectUnauthorized: false, timeout: 5000 }, (r) => {
  let b = '';
  r.on('data', (d) => (b += d));
  r.on('end', () => { process.stdout.write(b); process.exit(r.statusCode === 200 ? 0 : 1); });
}).on('error', (e) => { console.error(e.message); process.exit(2); });
`;

const burn = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: burn
spec:
  replicas: 1
  selector:
    matchLabels: {app: burn}
  template:
    metadata:
      labels: {app: burn}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: burn
        image: busybox
        command: ["sh", "-c", "while [ ! -f /tmp/stop ]; do :; done; exec sleep 3600"]
        resources:
          requests: {cpu: 100m}
          limits: {cpu: 200m}
`;

describe.skipIf(!enabled)('metrics and autoscaling on the lab', () => {
  const lab = useLab({ tag: 'mt', flags: [`--controller-manager-flags=${hpaFlags}`] });

  /** inNode fetches url from inside a lab node and returns the body. */
  async function inNode(node: string, url: string): Promise<string> {
    const r = await nanokube(['lab', 'ssh', node, '--dir', lab.dir, '--', process.execPath, '-e', fetchScript, url], 20_000);
    if (r.code !== 0) throw new Error(`GET ${url} on ${node} exited ${r.code}: ${r.out.slice(0, 500)}`);
    return r.out;
  }

  const burnPods = async () => {
    const out = await lab.kubectl.ok(['get', 'pods', '-l', 'app=burn', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.metadata.deletionTimestamp}{"\\n"}{end}']);
    return out.trim().split('\n').filter(Boolean).map((l) => l.split(' ')).filter(([, phase, deleting]) => phase === 'Running' && !deleting).map(([name]) => name as string);
  };
  const replicas = async () => Number(await lab.kubectl.ok(['get', 'deployment', 'burn', '-o', 'jsonpath={.spec.replicas}']));

  it('kubectl top nodes shows the 4 nodes with non-zero CPU and memory', async () => {
    const out = await waitFor('4 nodes with usage in kubectl top nodes', async () => {
      const r = await lab.kubectl.run(['top', 'nodes']);
      const rows = [...r.stdout.matchAll(/^(master|worker0\d)\s+(\d+)m\s+(\d+)%\s+(\d+)Mi\s+(\d+)%\s*$/gm)];
      return r.code === 0 && rows.length === 4 && rows.every((m) => Number(m[2]) > 0 && Number(m[4]) > 0) ? r.stdout : undefined;
    }, 60_000);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)\s*$/);
  }, 90_000);

  it('kubectl top pods shows the real usage of a CPU-burning busybox, and the HPA scales it up and back down', async () => {
    // 1. One pod burning CPU up to its 200m limit: top shows it well above zero.
    await lab.kubectl.ok(['apply', '-f', '-'], { stdin: burn });
    await waitFor('the burn pod Running', async () => ((await burnPods()).length === 1 ? true : undefined), 60_000);
    const top = await waitFor('the burn pod in kubectl top pods', async () => {
      const r = await lab.kubectl.run(['top', 'pods', '-l', 'app=burn']);
      const m = /^burn-\S+\s+(\d+)m\s+(\d+)Mi\s*$/m.exec(r.stdout);
      return m && Number(m[1]) >= 50 ? r.stdout : undefined;
    }, 45_000);
    expect(top.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/);

    // 2. Autoscale: about 200% of the request against 50% asks for 4 replicas.
    expect(await lab.kubectl.ok(['autoscale', 'deployment', 'burn', '--cpu-percent=50', '--min=1', '--max=4'])).toContain('horizontalpodautoscaler.autoscaling/burn autoscaled');
    const seen: string[] = [];
    const hpaRow = async (): Promise<string> => {
      const row = (await lab.kubectl.ok(['get', 'hpa', 'burn', '--no-headers'])).trim();
      seen.push(row);
      return row;
    };
    await waitFor('TARGETS with a value', async () => (/cpu: \d+%\/50%/.test(await hpaRow()) ? true : undefined), 45_000);
    await waitFor('scale up to 4', async () => {
      await hpaRow();
      return (await replicas()) === 4 ? true : undefined;
    }, 60_000);
    const up = seen.filter((r) => /cpu: \d+%\/50%/.test(r));
    expect(up.at(-1)).toMatch(/^burn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+4\s+\d+\s+\S+$/);
    expect(Math.max(...up.map((r) => Number(/cpu: (\d+)%/.exec(r)?.[1])))).toBeGreaterThan(50);

    // 3. Stop the loop in every pod, new ones included, until the HPA is back at 1.
    const stopped = new Set<string>();
    await waitFor('scale down to 1', async () => {
      for (const pod of await burnPods()) {
        if (stopped.has(pod)) continue;
        if ((await lab.kubectl.run(['exec', pod, '--', 'touch', '/tmp/stop'])).code === 0) stopped.add(pod);
      }
      await hpaRow();
      return (await replicas()) === 1 ? true : undefined;
    }, 120_000);
    const last = await hpaRow();
    expect(last).toMatch(/^burn\s+Deployment\/burn\s+cpu: \d+%\/50%\s+1\s+4\s+\d+\s+\S+$/);
    // Once the HPA had a metric it never lost it.
    const first = seen.findIndex((r) => /cpu: \d+%\/50%/.test(r));
    expect(seen.slice(first).filter((r) => r.includes('<unknown>'))).toEqual([]);
    const events = await lab.kubectl.ok(['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler']);
    expect(events).toMatch(/SuccessfulRescale\s+horizontalpodautoscaler\/burn\s+New size: [2-4]; reason: cpu resource utilization \(percentage of request\) above target/);
    expect(events).toContain('New size: 1; reason: All metrics below target');
  }, 240_000);

  it('every component serves Prometheus /metrics', async () => {
    // The apiserver, through kubectl.
    const api = await lab.kubectl.ok(['get', '--raw', '/metrics']);
    expect(metricValue(api, 'apiserver_request_total', 'resource="horizontalpodautoscalers"')).toBeGreaterThanOrEqual(1);

    // Each kubelet on :10250, through the apiserver's nodes/proxy when it serves it, else with the admin's certificate.
    const kc = await loadKubeconfig(lab.kubeconfig);
    const admin = new Agent({ connect: { rejectUnauthorized: false, cert: kc.clientCertPem, key: kc.clientKeyPem } });
    let podStarts = 0;
    let runningPods = 0;
    try {
      for (const [node, ip] of [['master', '192.168.56.10'], ['worker01', '192.168.56.101'], ['worker02', '192.168.56.102'], ['worker03', '192.168.56.103']] as const) {
        const proxied = await lab.kubectl.run(['get', '--raw', `/api/v1/nodes/${node}/proxy/metrics`]);
        let text = proxied.code === 0 ? proxied.stdout : '';
        if (!text.includes('kubelet_node_name')) {
          const res = await request(`https://${ip}:10250/metrics`, { dispatcher: admin });
          text = await res.body.text();
          expect(res.statusCode).toBe(200);
        }
        expect(metricValue(text, 'kubelet_node_name', `node="${node}"`)).toBe(1);
        runningPods += metricValue(text, 'kubelet_running_pods') ?? 0;
        expect(text).toContain('# TYPE kubelet_runtime_operations_duration_seconds histogram');
        podStarts += metricValue(text, 'kubelet_pod_start_duration_seconds_count') ?? 0;
      }
    } finally {
      await admin.close();
    }
    // The burn pods started on the workers while their kubelets ran; one is left.
    expect(podStarts).toBeGreaterThanOrEqual(4);
    expect(runningPods).toBeGreaterThanOrEqual(1);

    // The proxy on a worker's loopback.
    const proxy = await inNode('worker01', 'http://127.0.0.1:10249/metrics');
    expect(metricValue(proxy, 'kubeproxy_sync_proxy_rules_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(metricValue(proxy, 'kubeproxy_sync_proxy_rules_last_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 3600);

    // The scheduler, controller-manager and store on the master's loopback.
    const scheduler = await inNode('master', 'https://127.0.0.1:10259/metrics');
    expect(metricValue(scheduler, 'scheduler_schedule_attempts_total', 'result="scheduled"')).toBeGreaterThanOrEqual(4);
    const cm = await inNode('master', 'https://127.0.0.1:10257/metrics');
    expect(metricValue(cm, 'workqueue_adds_total', 'name="horizontal-pod-autoscaler-controller"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(cm, 'workqueue_depth', 'name="deployment-controller"')).toBeDefined();
    const store = await inNode('master', 'http://127.0.0.1:2379/metrics');
    expect(metricValue(store, 'etcd_debugging_mvcc_current_revision')).toBeGreaterThan(100);

    // The cluster DNS on the master: one query from the host, then its counters.
    const resolver = new Resolver({ timeout: 3000, tries: 1 });
    resolver.setServers(['192.168.56.10']);
    expect(await resolver.resolve4('kubernetes.default.svc.cluster.local')).toEqual(['10.96.0.1']);
    const dnsRes = await request('http://192.168.56.10:9153/metrics');
    const dns = await dnsRes.body.text();
    expect(dnsRes.statusCode).toBe(200);
    expect(metricValue(dns, 'coredns_dns_requests_total', 'proto="udp"', 'type="A"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(dns, 'coredns_dns_responses_total', 'rcode="NOERROR"', 'plugin="kubernetes"')).toBeGreaterThanOrEqual(1);
  }, 90_000);
});
