/**
 * The metrics API end to end on `nanokube up --simulated-nodes 3`: the apiserver scrapes the simulated
 * kubelets' `/stats/summary`, the real kubectl's `top nodes` / `top pods` print them, and the HPA
 * controller scales a Deployment up while its pods report high CPU (simulated usage annotation) and
 * back down once usage drops (scale-down stabilization window 0 through spec.behavior).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { waitFor } from '../helpers/wait.js';

let cp: TestControlPlane;
let kubectl: Kubectl;

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
      annotations:
        simulated.nanokube.io/cpu-usage: 300m
        simulated.nanokube.io/memory-usage: 48Mi
    spec:
      containers:
      - name: app
        image: nginx
        resources:
          requests: {cpu: 100m, memory: 64Mi}
`;

async function replicas(): Promise<number> {
  return Number(await kubectl.ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}']));
}

describe.skipIf(!hasKubectl())('metrics API, kubectl top and the HPA', () => {
  beforeAll(async () => {
    cp = await startTestControlPlane({ extraArgs: ['--simulated-nodes', '3'] });
    kubectl = new Kubectl(cp.adminConf);
  });

  afterAll(async () => {
    await cp?.stop();
  });

  it('advertises metrics.k8s.io in discovery without errors', async () => {
    const r = await kubectl.run(['api-resources', '--api-group=metrics.k8s.io']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain("couldn't get resource list");
    expect(r.stdout).toMatch(/^nodes\s+metrics\.k8s\.io\/v1beta1\s+false\s+NodeMetrics$/m);
    expect(r.stdout).toMatch(/^pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics$/m);
  });

  it('kubectl top nodes lists every node with upstream columns', async () => {
    const out = await waitFor('three nodes in top', async () => {
      const r = await kubectl.run(['top', 'nodes']);
      // A node registered after the last scrape shows <unknown> until it is scraped.
      return r.code === 0 && (r.stdout.match(/^sim-\d\s+\d+m/gm) ?? []).length === 3 ? r.stdout : undefined;
    }, 30_000);
    const [header, ...rows] = out.trim().split('\n');
    expect(header).toMatch(/^NAME\s+CPU\(cores\)\s+CPU(\(%\)|%)\s+MEMORY\(bytes\)\s+MEMORY(\(%\)|%)\s*$/);
    for (const row of rows) expect(row).toMatch(/^sim-\d\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%\s*$/);
  });

  it('kubectl top pods shows simulated usage, per container with --containers', async () => {
    await kubectl.ok(['apply', '-f', '-'], { stdin: deployment });
    await kubectl.ok(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });
    const out = await waitFor('web pod metrics', async () => {
      const r = await kubectl.run(['top', 'pods']);
      return r.code === 0 && /^web-/m.test(r.stdout) ? r.stdout : undefined;
    }, 30_000);
    expect(out.split('\n')[0]).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/);
    expect(out).toMatch(/^web-\S+\s+300m\s+48Mi\s*$/m);
    const all = await kubectl.ok(['top', 'pods', '-A', '--containers']);
    expect(all.split('\n')[0]).toMatch(/^NAMESPACE\s+POD\s+NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)\s*$/);
    expect(all).toMatch(/^default\s+web-\S+\s+app\s+300m\s+48Mi\s*$/m);
    const raw = JSON.parse(await kubectl.ok(['get', '--raw', '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods'])) as {
      kind: string;
      items: { metadata: { name: string }; window: string; containers: { name: string; usage: { cpu: string; memory: string } }[] }[];
    };
    expect(raw.kind).toBe('PodMetricsList');
    const table = await kubectl.ok(['get', 'pods.metrics.k8s.io']);
    expect(table).toMatch(/^NAME\s+CPU\s+MEMORY\s+WINDOW\s*$/m);
    expect(table).toMatch(/^web-\S+\s+300m\s+48Mi\s+10s\s*$/m);
    expect(raw.items[0]?.containers).toEqual([{ name: 'app', usage: { cpu: '300m', memory: '48Mi' } }]);
  });

  it('serves Prometheus metrics at the apiserver\'s /metrics', async () => {
    const text = await kubectl.ok(['get', '--raw', '/metrics']);
    expect(text).toMatch(/^apiserver_request_total{verb="LIST",resource="pods",code="200"} \d+$/m);
    expect(text).toMatch(/^apiserver_request_duration_seconds_bucket{le="\+Inf",verb="GET",resource="deployments"} \d+$/m);
    expect(text).toMatch(/^apiserver_longrunning_requests{verb="WATCH",resource="pods"} [1-9]\d*$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
  });

  it('kubectl autoscale scales up under load and down after it drops', async () => {
    expect(await kubectl.ok(['autoscale', 'deployment', 'web', '--cpu-percent=50', '--min=1', '--max=5'])).toContain('horizontalpodautoscaler.autoscaling/web autoscaled');
    // A short scale-down stabilization window for the test (the default is 300 s).
    await kubectl.ok(['patch', 'hpa', 'web', '--type=merge', '-p', '{"spec":{"behavior":{"scaleDown":{"stabilizationWindowSeconds":0}}}}']);
    // 300m of a 100m request is 300% against 50%: the HPA goes to its maximum (5).
    await waitFor('scale up to 5', async () => ((await replicas()) === 5 ? true : undefined), 60_000);
    const hpa = await waitFor('TARGETS with a current value', async () => {
      const out = await kubectl.ok(['get', 'hpa', 'web']);
      return /cpu: \d+%\/50%/.test(out) ? out : undefined;
    }, 30_000);
    expect(hpa.split('\n')[0]).toMatch(/^NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE\s*$/);
    expect(hpa).toMatch(/^web\s+Deployment\/web\s+cpu: \d+%\/50%\s+1\s+5\s+\d+\s+\S+\s*$/m);
    expect(hpa).not.toContain('<unknown>');
    await kubectl.ok(['rollout', 'status', 'deployment/web', '--timeout=60s'], { timeoutMs: 70_000 });

    // Usage drops to 10m per pod (10%): the HPA goes back down to its minimum.
    await kubectl.ok(['annotate', 'pods', '-l', 'app=web', 'simulated.nanokube.io/cpu-usage=10m', '--overwrite']);
    await waitFor('scale down to 1', async () => ((await replicas()) === 1 ? true : undefined), 90_000);
    const status = JSON.parse(await kubectl.ok(['get', 'hpa.v2.autoscaling', 'web', '-o', 'json'])) as {
      status: { currentReplicas?: number; desiredReplicas: number; lastScaleTime?: string; conditions: { type: string; status: string; reason: string }[]; currentMetrics?: unknown[] };
    };
    expect(status.status.desiredReplicas).toBe(1);
    expect(status.status.lastScaleTime).toBeDefined();
    const byType = Object.fromEntries(status.status.conditions.map((c) => [c.type, c]));
    expect(byType['AbleToScale']?.status).toBe('True');
    expect(byType['ScalingActive']).toMatchObject({ status: 'True', reason: 'ValidMetricFound' });
    expect(byType['ScalingLimited']?.status).toBeDefined();
    const events = await kubectl.ok(['get', 'events', '--field-selector', 'involvedObject.kind=HorizontalPodAutoscaler']);
    expect(events).toContain('SuccessfulRescale');
    expect(events).toContain('New size: 5; reason: cpu resource utilization (percentage of request) above target');
    expect(events).toContain('New size: 1; reason: All metrics below target');
  });
});
