/**
 * Every component of `nanokube up --simulated-nodes 1` serves Prometheus `/metrics` (issue #9): `up` gives
 * the scheduler and controller-manager free loopback ports, prints them and writes them to
 * `<dir>/endpoints.json`; after a Deployment is created and its pod scheduled and started, the scheduler
 * reports the attempt, the controller-manager its work queues, the store its revision, the apiserver its
 * requests, and the (simulated) kubelet its running pods, runtime operations and pod start latency.
 */
import { readFile, rm } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeconfig } from '@nanokube/pki';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { metricValue } from '../helpers/prometheus.js';
import { waitFor } from '../helpers/wait.js';

let cp: TestControlPlane;
let kubectl: Kubectl;
let admin: Agent;
let insecure: Agent;
let endpoints: { store: string; apiserver: string; scheduler: string; controllerManager?: string };

async function scrape(url: string, dispatcher: Agent): Promise<string> {
  const res = await request(url, { dispatcher });
  const body = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`GET ${url}: ${res.statusCode} ${body}`);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return body;
}

describe.skipIf(!hasKubectl())('component /metrics on nanokube up', () => {
  beforeAll(async () => {
    cp = await startTestControlPlane({ extraArgs: ['--simulated-nodes', '1'] });
    kubectl = new Kubectl(cp.adminConf);
    const kc = await loadKubeconfig(cp.adminConf);
    admin = new Agent({ connect: { ca: kc.caPem, cert: kc.clientCertPem, key: kc.clientKeyPem } });
    insecure = new Agent({ connect: { rejectUnauthorized: false } });
    endpoints = JSON.parse(await readFile(`${cp.dir}/endpoints.json`, 'utf8')) as typeof endpoints;
    await kubectl.ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=1']);
    await waitFor('the pod Running', async () => {
      const out = await kubectl.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].status.phase}']);
      return out.trim() === 'Running' ? out : undefined;
    }, 60_000);
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await insecure?.close();
    await cp?.stop();
    if (kubectl) await rm(kubectl.home, { recursive: true, force: true });
  });

  it('prints the scheduler and controller-manager ports and writes every endpoint to endpoints.json', () => {
    expect(endpoints.store).toBe(`http://127.0.0.1:${cp.storePort}`);
    expect(endpoints.apiserver).toBe(cp.server);
    expect(endpoints.scheduler).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(endpoints.controllerManager).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(cp.output()).toContain(`[scheduler] started, /healthz and /metrics at ${endpoints.scheduler}`);
    expect(cp.output()).toContain(`[controller-manager] started, /healthz and /metrics at ${endpoints.controllerManager}`);
  });

  it('the scheduler counts its attempts and their latency', async () => {
    const text = await waitFor('a scheduled attempt', async () => {
      const t = await scrape(`${endpoints.scheduler}/metrics`, insecure);
      return (metricValue(t, 'scheduler_schedule_attempts_total', 'result="scheduled"') ?? 0) >= 1 ? t : undefined;
    }, 20_000);
    expect(metricValue(text, 'scheduler_scheduling_attempt_duration_seconds_count', 'result="scheduled"', 'profile="default-scheduler"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('the controller-manager reports work queue depth and adds per controller', async () => {
    const text = await scrape(`${endpoints.controllerManager}/metrics`, insecure);
    expect(metricValue(text, 'workqueue_adds_total', 'name="deployment-controller"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'workqueue_adds_total', 'name="replicaset-controller"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'workqueue_depth', 'name="horizontal-pod-autoscaler-controller"')).toBe(0);
    expect(metricValue(text, 'workqueue_work_duration_seconds_count', 'name="deployment-controller"')).toBeGreaterThanOrEqual(1);
  });

  it('the apiserver and the store report requests and revisions', async () => {
    const api = await scrape(`${endpoints.apiserver}/metrics`, admin);
    expect(metricValue(api, 'apiserver_request_total', 'verb="POST"', 'resource="deployments"')).toBeGreaterThanOrEqual(1);
    const store = await scrape(`${endpoints.store}/metrics`, insecure);
    expect(metricValue(store, 'etcd_debugging_mvcc_current_revision')).toBeGreaterThan(1);
  });

  it('the kubelet serves its pods, runtime operations and pod start latency on its HTTPS port, to the admin only', async () => {
    const address = (await kubectl.ok(['get', 'node', 'sim-0', '-o', 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}:{.status.daemonEndpoints.kubeletEndpoint.Port}'])).trim();
    expect(address).toMatch(/^127\.0\.1\.1:\d+$/);
    // The kubelet's serving certificate is its own (self-signed here); the admin's client certificate is what counts.
    const kc = await loadKubeconfig(cp.adminConf);
    const kubeletClient = new Agent({ connect: { rejectUnauthorized: false, cert: kc.clientCertPem, key: kc.clientKeyPem } });
    const text = await scrape(`https://${address}/metrics`, kubeletClient).finally(() => kubeletClient.close());
    expect(metricValue(text, 'kubelet_node_name', 'node="sim-0"')).toBe(1);
    expect(metricValue(text, 'kubelet_running_pods')).toBe(1);
    expect(metricValue(text, 'kubelet_running_containers', 'container_state="running"')).toBe(1);
    expect(metricValue(text, 'kubelet_pod_start_duration_seconds_count')).toBe(1);
    expect(metricValue(text, 'kubelet_runtime_operations_total', 'operation_type="run_podsandbox"')).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'kubelet_runtime_operations_duration_seconds_count', 'operation_type="start_container"')).toBeGreaterThanOrEqual(1);
    const anonymous = await request(`https://${address}/metrics`, { dispatcher: insecure });
    await anonymous.body.text();
    expect(anonymous.statusCode).toBe(401);
  });
});
