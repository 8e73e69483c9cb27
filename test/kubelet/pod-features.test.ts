/**
 * Pod features of the kubelet on a simulated node (`nanokube up --simulated-nodes 1`), seen through the
 * real kubectl: env from a missing ConfigMap (CreateContainerConfigError, then Running once it exists), a
 * configMap volume holding the pod in ContainerCreating with FailedMount, readiness gated by an exec probe
 * the simulated runtime answers, and a failing liveness probe restarting the container with upstream's events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromKubeconfig, RestClient } from '@nanokube/client';
import { ApiPodSources } from '../../packages/kubelet/src/volumes/index.js';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { waitFor } from '../helpers/wait.js';

let cp: TestControlPlane;
let kubectl: Kubectl;

/** podRow returns the `kubectl get pod` columns of one pod: NAME READY STATUS RESTARTS AGE. */
async function podRow(name: string): Promise<string[]> {
  const out = await kubectl.ok(['get', 'pod', name, '--no-headers']);
  return out.trim().split(/\s+/);
}

async function events(name: string): Promise<string> {
  return kubectl.ok(['get', 'events', '--field-selector', `involvedObject.name=${name}`, '-o', 'custom-columns=REASON:.reason,MESSAGE:.message', '--no-headers']);
}

function pod(name: string, container: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'web', image: 'nginx:1.14', ...container }], ...extra },
  });
}

describe.skipIf(!hasKubectl())('kubelet pod features (simulated node)', () => {
  beforeAll(async () => {
    cp = await startTestControlPlane({ extraArgs: ['--simulated-nodes', '1'] });
    kubectl = new Kubectl(cp.adminConf);
    await waitFor('a Ready node', async () => ((await kubectl.ok(['get', 'nodes', '--no-headers'])).includes(' Ready') ? true : undefined), 60_000);
    await waitFor('the default service account', async () => ((await kubectl.run(['get', 'sa', 'default'])).code === 0 ? true : undefined));
  }, 120_000);

  afterAll(async () => {
    await cp?.stop();
  });

  it('shows CreateContainerConfigError for a missing ConfigMap, then runs once it exists', async () => {
    await kubectl.ok(['apply', '-f', '-'], { stdin: pod('envpod', { env: [{ name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'mode' } } }] }) });
    await waitFor('CreateContainerConfigError', async () => ((await podRow('envpod'))[2] === 'CreateContainerConfigError' ? true : undefined));
    const json = JSON.parse(await kubectl.ok(['get', 'pod', 'envpod', '-o', 'json'])) as { status: { containerStatuses: { state: unknown }[] } };
    expect(json.status.containerStatuses[0]?.state).toEqual({ waiting: { reason: 'CreateContainerConfigError', message: 'configmap "app-config" not found' } });
    expect(await events('envpod')).toContain('Error: configmap "app-config" not found');
    await kubectl.ok(['create', 'configmap', 'app-config', '--from-literal=mode=prod']);
    await waitFor('envpod Running', async () => ((await podRow('envpod'))[2] === 'Running' ? true : undefined));
  }, 60_000);

  it('lets the node read what its pods reference, and issues pod-bound tokens through TokenRequest', async () => {
    const asNode = ['--as', 'system:node:sim-0', '--as-group', 'system:nodes', '--as-group', 'system:authenticated'];
    expect((await kubectl.run(['get', 'configmap', 'app-config', ...asNode])).code).toBe(0);
    expect((await kubectl.run(['get', 'configmap', 'kube-root-ca.crt', ...asNode])).code).toBe(0);
    expect((await kubectl.run(['get', 'services', ...asNode])).code).toBe(0);
    const uid = (await kubectl.ok(['get', 'pod', 'envpod', '-o', 'jsonpath={.metadata.uid}'])).trim();
    const asNodeToken = await kubectl.run(['create', 'token', 'default', '--bound-object-kind', 'Pod', '--bound-object-name', 'envpod', '--bound-object-uid', uid, ...asNode]);
    expect(asNodeToken.stderr).toBe('');
    expect(asNodeToken.code).toBe(0);
    const rest = new RestClient(await configFromKubeconfig(cp.adminConf));
    try {
      const sources = new ApiPodSources(rest);
      const before = Date.now();
      const token = await sources.serviceAccountToken('default', 'default', { audiences: [], expirationSeconds: 3607, boundPod: { name: 'envpod', uid } });
      expect(token.token.split('.')).toHaveLength(3);
      const claims = JSON.parse(Buffer.from(token.token.split('.')[1] ?? '', 'base64url').toString()) as { kubernetes?: { io?: { pod?: { name?: string; uid?: string } } } } & Record<string, unknown>;
      expect(JSON.stringify(claims)).toContain(uid);
      expect(token.expiresAt).toBeGreaterThan(before + 3000 * 1000);
      expect(await sources.configMap('default', 'missing')).toBeUndefined();
      expect((await sources.configMap('default', 'app-config'))?.data).toEqual({ mode: 'prod' });
    } finally {
      await rest.close();
    }
  }, 30_000);

  it('holds a pod with a missing configMap volume in ContainerCreating with FailedMount', async () => {
    await kubectl.ok(['apply', '-f', '-'], {
      stdin: pod('volpod', { volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg' }] }, { volumes: [{ name: 'cfg', configMap: { name: 'vol-config' } }] }),
    });
    await waitFor('FailedMount', async () => ((await events('volpod')).includes('MountVolume.SetUp failed for volume "cfg" : configmap "vol-config" not found') ? true : undefined));
    expect((await podRow('volpod'))[2]).toBe('ContainerCreating');
    await kubectl.ok(['create', 'configmap', 'vol-config', '--from-literal=a=b']);
    await waitFor('volpod Running', async () => ((await podRow('volpod'))[2] === 'Running' ? true : undefined));
  }, 60_000);

  it('gates readiness on an exec probe', async () => {
    const probe = (cmd: string[]) => ({ readinessProbe: { exec: { command: cmd }, periodSeconds: 1 } });
    await kubectl.ok(['apply', '-f', '-'], { stdin: pod('ready-yes', probe(['true'])) });
    await kubectl.ok(['apply', '-f', '-'], { stdin: pod('ready-no', probe(['sh', '-c', 'exit 1'])) });
    await waitFor('ready-yes 1/1', async () => ((await podRow('ready-yes'))[1] === '1/1' ? true : undefined));
    await waitFor('ready-no Running', async () => ((await podRow('ready-no'))[2] === 'Running' ? true : undefined));
    await waitFor('Readiness probe failed event', async () => ((await events('ready-no')).includes('Readiness probe failed') ? true : undefined));
    expect((await podRow('ready-no'))[1]).toBe('0/1');
  }, 60_000);

  it('restarts a container whose liveness probe fails', async () => {
    await kubectl.ok(['apply', '-f', '-'], { stdin: pod('live', { livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 2 } }) });
    await waitFor('a restart', async () => (Number((await podRow('live'))[3]) >= 1 ? true : undefined));
    const ev = await events('live');
    expect(ev).toContain('Container web failed liveness probe, will be restarted');
    expect(ev).toMatch(/Unhealthy\s+Liveness probe failed: /);
  }, 60_000);
});
