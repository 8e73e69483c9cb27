import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';

/** The row of a table whose first cell is `name`, split into cells. */
function row(out: string, name: string): string[] | undefined {
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/))
    .find((cells) => cells[0] === name);
}

// The commands of issue #3 beyond the basics, on a control plane with one simulated node so that
// deployments roll out and pods run.
describe.skipIf(!hasKubectl())('more kubectl commands against nanokube up --simulated-nodes 1', () => {
  let cp: TestControlPlane;
  let k: Kubectl;
  let dir: string;

  beforeAll(async () => {
    cp = await startTestControlPlane({ extraArgs: ['--simulated-nodes', '1'] });
    k = new Kubectl(cp.adminConf);
    dir = mkdtempSync(join(tmpdir(), 'nk-more-'));
    // The simulated node registers a moment after `up` reports ready.
    for (let i = 0; i < 300 && (await k.run(['get', 'node', 'sim-0'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    await k.ok(['wait', '--for=condition=Ready', 'node/sim-0', '--timeout=60s']);
    await k.ok(['create', 'deployment', 'web', '--image=nginx:1.14', '--replicas=2']);
    await k.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('waits for a condition and describes a deployment with its events', async () => {
    expect(await k.ok(['wait', '--for=condition=Available', 'deployment/web', '--timeout=30s'])).toBe('deployment.apps/web condition met\n');
    const out = await k.ok(['describe', 'deployment', 'web']);
    expect(out).toMatch(/^Name:\s+web$/m);
    expect(out).toMatch(/^Replicas:\s+2 desired \| 2 updated \| 2 total \| 2 available \| 0 unavailable$/m);
    expect(out).toMatch(/ScalingReplicaSet\s+.*deployment-controller\s+Scaled up replica set web-[a-z0-9]+ (to|from 0 to) 2/);
  });

  it('describes a pod with its Events', async () => {
    const pod = (await k.ok(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const out = await k.ok(['describe', 'pod', pod]);
    expect(out).toMatch(/^Status:\s+Running$/m);
    expect(out).toMatch(/^Node:\s+sim-0\/127\.0\.1\.1$/m);
    expect(out).toContain('Events:');
    expect(out).toMatch(/Scheduled\s+.*default-scheduler\s+Successfully assigned default\/web-/);
  });

  it('sets image, env and resources, and walks the rollout history back', async () => {
    await k.ok(['set', 'image', 'deployment/web', 'nginx=nginx:1.16.0', '--record']);
    await k.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    await k.ok(['set', 'env', 'deployment/web', 'MODE=lab']);
    await k.ok(['set', 'resources', 'deployment/web', '--requests=cpu=10m,memory=16Mi']);
    await k.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    const history = await k.ok(['rollout', 'history', 'deployment/web']);
    expect(history).toMatch(/^REVISION\s+CHANGE-CAUSE$/m);
    // kubectl records its own binary name (kubectl.1.32 here), as upstream's does.
    expect(history).toMatch(/^2\s+kubectl(\.1\.32)? set image deployment\/web nginx=nginx:1\.16\.0 --record=true$/m);
    expect(await k.ok(['rollout', 'undo', 'deployment/web', '--to-revision=1'])).toBe('deployment.apps/web rolled back\n');
    await k.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
    expect(await k.ok(['get', 'deploy', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).toBe('nginx:1.14');
  });

  it('pauses, resumes and restarts a rollout', async () => {
    expect(await k.ok(['rollout', 'pause', 'deployment/web'])).toBe('deployment.apps/web paused\n');
    const undo = await k.run(['rollout', 'undo', 'deployment/web']);
    expect(undo.stderr).toContain('you cannot rollback a paused deployment');
    expect(await k.ok(['rollout', 'resume', 'deployment/web'])).toBe('deployment.apps/web resumed\n');
    expect(await k.ok(['rollout', 'restart', 'deployment/web'])).toBe('deployment.apps/web restarted\n');
    await k.ok(['rollout', 'status', 'deployment/web', '--timeout=60s']);
  });

  it('edits a service with $EDITOR, replaces and diffs a file', async () => {
    await k.ok(['expose', 'deployment', 'web', '--port=80', '--name=web']);
    const editor = join(dir, 'editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsed -i "s/sessionAffinity: None/sessionAffinity: ClientIP/" "$1"\n');
    chmodSync(editor, 0o755);
    const r = await k.run(['edit', 'service', 'web'], { env: { EDITOR: editor } });
    expect(r.stdout).toBe('service/web edited\n');
    expect(await k.ok(['get', 'svc', 'web', '-o', 'jsonpath={.spec.sessionAffinity}'])).toBe('ClientIP');

    const file = join(dir, 'cm.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\ndata:\n  a: "1"\n');
    await k.ok(['create', '-f', file]);
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: conf\ndata:\n  a: "2"\n');
    const diff = await k.run(['diff', '-f', file]);
    expect(diff.code).toBe(1); // kubectl diff exits 1 when there are differences
    expect(diff.stdout).toMatch(/^-\s+a: "1"$/m);
    expect(diff.stdout).toMatch(/^\+\s+a: "2"$/m);
    expect(await k.ok(['replace', '-f', file])).toBe('configmap/conf replaced\n');
    expect(await k.ok(['get', 'cm', 'conf', '-o', 'jsonpath={.data.a}'])).toBe('2');
  });

  it('cordons, taints and uncordons a node', async () => {
    expect(await k.ok(['cordon', 'sim-0'])).toBe('node/sim-0 cordoned\n');
    expect(row(await k.ok(['get', 'node', 'sim-0']), 'sim-0')?.[1]).toBe('Ready,SchedulingDisabled');
    expect(await k.ok(['uncordon', 'sim-0'])).toBe('node/sim-0 uncordoned\n');
    expect(await k.ok(['taint', 'node', 'sim-0', 'dedicated=lab:PreferNoSchedule'])).toBe('node/sim-0 tainted\n');
    expect(await k.ok(['get', 'node', 'sim-0', '-o', 'jsonpath={.spec.taints[0].key}'])).toBe('dedicated');
    expect(await k.ok(['taint', 'node', 'sim-0', 'dedicated-'])).toBe('node/sim-0 untainted\n');
  });

  it('autoscales a deployment (autoscaling/v1 protobuf body, read back through v2)', async () => {
    expect(await k.ok(['autoscale', 'deployment', 'web', '--min=1', '--max=4', '--cpu-percent=50'])).toBe(
      'horizontalpodautoscaler.autoscaling/web autoscaled\n',
    );
    const out = await k.ok(['get', 'hpa', 'web']);
    const cells = row(out, 'web') ?? [];
    expect(cells[1]).toBe('Deployment/web');
    expect([cells[3], cells[4]]).toEqual(['1', '4']);
  });

  it('answers auth can-i and whoami for the admin', async () => {
    expect(await k.ok(['auth', 'can-i', 'delete', 'pods'])).toBe('yes\n');
    expect(await k.ok(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'])).toBe('kubernetes-admin');
  });

  it('deletes with cascade orphan, and force-deletes a bound pod at once', async () => {
    await k.ok(['create', 'deployment', 'orphaned', '--image=nginx', '--replicas=1']);
    await k.ok(['rollout', 'status', 'deployment/orphaned', '--timeout=60s']);
    await k.ok(['delete', 'deployment', 'orphaned', '--cascade=orphan']);
    const rs = await k.ok(['get', 'rs', '-l', 'app=orphaned', '-o', 'jsonpath={.items[0].metadata.ownerReferences}']);
    expect(rs).toBe('');
    const pod = (await k.ok(['get', 'pods', '-l', 'app=orphaned', '-o', 'jsonpath={.items[0].metadata.name}'])).trim();
    const r = await k.run(['delete', 'pod', pod, '--grace-period=0', '--force']);
    expect(r.stderr).toContain('Immediate deletion does not wait for confirmation');
    expect(r.stdout).toBe(`pod "${pod}" force deleted\n`);
  });

  it('works with kubectl 1.27 and 1.33 too', async () => {
    for (const minor of [27, 33]) {
      const other = new Kubectl(cp.adminConf, minor);
      const out = await other.ok(['get', 'deploy', 'web']);
      expect(row(out, 'web')?.slice(0, 2)).toEqual(['web', '2/2']);
      const dep = join(dir, `d${minor}.yaml`);
      writeFileSync(dep, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v${minor}\ndata:\n  k: v\n`);
      expect(await other.ok(['apply', '-f', dep])).toBe(`configmap/v${minor} created\n`);
    }
  });

  it('lists and watches with the official JavaScript client', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(cp.adminConf);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace: 'default' });
    expect(pods.items.some((p) => p.metadata?.name?.startsWith('web-'))).toBe(true);
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch('/api/v1/namespaces/default/configmaps', { resourceVersion: pods.metadata?.resourceVersion ?? '' }, (type, obj: k8s.V1ConfigMap) => {
      seen.push(`${type} ${obj.metadata?.name}`);
    }, () => {});
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'from-client-node' }, data: { x: 'y' } } });
    await expect.poll(() => seen, { timeout: 10_000 }).toContain('ADDED from-client-node');
    req.abort();
  });
});
