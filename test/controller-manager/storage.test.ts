/**
 * `nanokube up` end to end with the real kubectl: the persistentvolume binder binds a hostPath volume
 * to a claim and releases it when the claim goes; the bootstrap signer signs cluster-info for a token
 * Secret made by hand and the token cleaner deletes an expired one; and the join command `up` prints
 * lets a second process (`nanokube join`) TLS-bootstrap a node credential, its CSR approved and signed
 * by the controller-manager `up` runs.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nanokubeBin, startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';

/** Repeats fn until it stops throwing, for at most timeoutMs. */
async function eventually<T>(fn: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

function run(args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [nanokubeBin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NANOKUBE_LOG_LEVEL: 'warn' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe.skipIf(!hasKubectl())('storage and node bootstrap on nanokube up', () => {
  let cp: TestControlPlane;
  let k: Kubectl;
  let joinLine = '';
  const hostDir = mkdtempSync(join(tmpdir(), 'nk-pv-'));

  beforeAll(async () => {
    // A fixed, never-expiring token, as kubeadm init --token T --token-ttl 0.
    cp = await startTestControlPlane({ timeoutMs: 90_000, extraArgs: ['--token', 'abcdef.0123456789abcdef', '--token-ttl', '0'] });
    k = new Kubectl(cp.adminConf);
    joinLine = await eventually(async () => {
      const m = /^\s*(nanokube join \S+ --token \S+ --discovery-token-ca-cert-hash sha256:[0-9a-f]{64})$/m.exec(cp.output());
      if (!m?.[1]) throw new Error(`no join command in:\n${cp.output()}`);
      return m[1];
    }, 5_000);
  }, 120_000);

  /** Throws with everything `nanokube up` printed when it is no longer running (a component exited). */
  function checkAlive(): void {
    if (cp.process.exitCode === null && cp.process.signalCode === null) return;
    const logs = ['scheduler', 'controller-manager', 'apiserver'].map((c) => {
      const f = join(cp.dir, 'logs', `${c}.log`);
      return existsSync(f) ? `--- ${c}.log (tail)\n${readFileSync(f, 'utf8').split('\n').slice(-15).join('\n')}` : '';
    });
    throw new Error(`nanokube up exited:\n${cp.output()}\n${logs.join('\n')}`);
  }

  afterAll(async () => {
    await cp?.stop();
    if (k) rmSync(k.home, { recursive: true, force: true });
    rmSync(hostDir, { recursive: true, force: true });
  });

  it('binds a claim to a hostPath volume and releases the volume when the claim goes', async () => {
    checkAlive();
    await k.ok(['apply', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'PersistentVolume',
            metadata: { name: 'task-pv' },
            spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: hostDir } },
          },
          {
            apiVersion: 'v1',
            kind: 'PersistentVolumeClaim',
            metadata: { name: 'claim', namespace: 'default' },
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '500Mi' } } },
          },
        ],
      }),
    });
    const table = await eventually(async () => {
      checkAlive();
      const out = await k.ok(['get', 'pv,pvc']);
      if ((out.match(/\bBound\b/g) ?? []).length < 2) throw new Error(out);
      return out;
    });
    expect(table).toMatch(/^persistentvolume\/task-pv\s+1Gi\s+RWO\s+Retain\s+Bound\s+default\/claim\s/m);
    expect(table).toMatch(/^persistentvolumeclaim\/claim\s+Bound\s+task-pv\s+1Gi\s+RWO\s/m);
    const ann = JSON.parse(await k.ok(['get', 'pvc', 'claim', '-o', 'jsonpath={.metadata.annotations}'])) as Record<string, string>;
    expect(ann).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes' });

    await k.ok(['delete', 'pvc', 'claim']);
    const pv = await eventually(async () => {
      const out = await k.ok(['get', 'pv', 'task-pv', '--no-headers']);
      if (!/\bReleased\b/.test(out)) throw new Error(out);
      return out;
    });
    expect(pv).toMatch(/^task-pv\s+1Gi\s+RWO\s+Retain\s+Released\s+default\/claim\s/);
  });

  it('leaves a claim nothing fits Pending with a FailedBinding event', async () => {
    await k.ok(['apply', '-f', '-'], {
      stdin: JSON.stringify({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'huge', namespace: 'default' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '100Gi' } } },
      }),
    });
    const events = await eventually(async () => {
      const out = await k.ok(['get', 'events', '--field-selector', 'involvedObject.name=huge', '--no-headers']);
      if (!out.includes('FailedBinding')) throw new Error(out);
      return out;
    });
    expect(events).toMatch(/Normal\s+FailedBinding\s+persistentvolumeclaim\/huge\s+no persistent volumes available for this claim and no storage class is set/);
    expect(await k.ok(['get', 'pvc', 'huge', '-o', 'jsonpath={.status.phase}'])).toBe('Pending');
  });

  it('signs cluster-info for a new token Secret and deletes an expired one', async () => {
    const token = (id: string, extra: Record<string, string>): string =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'bootstrap.kubernetes.io/token',
        metadata: { name: `bootstrap-token-${id}`, namespace: 'kube-system' },
        data: Object.fromEntries(Object.entries({ 'token-id': id, 'token-secret': '0123456789abcdef', ...extra }).map(([kk, v]) => [kk, b64(v)])),
      });
    await k.ok(['apply', '-f', '-'], { stdin: token('handmd', { 'usage-bootstrap-signing': 'true', 'usage-bootstrap-authentication': 'true' }) });
    await k.ok(['apply', '-f', '-'], { stdin: token('oldtkn', { 'usage-bootstrap-signing': 'true', expiration: '2020-01-01T00:00:00Z' }) });
    const keys = await eventually(async () => {
      const data = JSON.parse(await k.ok(['get', 'cm', 'cluster-info', '-n', 'kube-public', '-o', 'jsonpath={.data}'])) as Record<string, string>;
      if (!data['jws-kubeconfig-handmd']) throw new Error(Object.keys(data).join(','));
      return Object.keys(data);
    });
    expect(keys).not.toContain('jws-kubeconfig-oldtkn');
    await eventually(async () => {
      const r = await k.run(['get', 'secret', 'bootstrap-token-oldtkn', '-n', 'kube-system']);
      if (r.code === 0) throw new Error('expired token still there');
      expect(r.stderr).toContain('NotFound');
    });
  });

  it('joins a node with the command nanokube up printed', async () => {
    expect(joinLine).toMatch(/^nanokube join 127\.0\.0\.1:\d+ --token abcdef\.0123456789abcdef --discovery-token-ca-cert-hash /);
    const expiry = await k.ok(['get', 'secret', 'bootstrap-token-abcdef', '-n', 'kube-system', '-o', 'jsonpath={.data.expiration}']);
    expect(expiry).toBe('');
    const dir = mkdtempSync(join(tmpdir(), 'nk-join-'));
    try {
      const args = joinLine.split(/\s+/).slice(1);
      const r = await run([...args, '--node-name', 'worker01', '--dir', dir, '--timeout', '30s'], 60_000);
      expect(r.output).toContain('This node has joined the cluster');
      expect(r.code).toBe(0);
      const conf = join(dir, 'kubelet.conf');
      expect(existsSync(conf)).toBe(true);
      const node = new Kubectl(conf);
      try {
        expect((await node.ok(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}']))).toBe('system:node:worker01');
      } finally {
        rmSync(node.home, { recursive: true, force: true });
      }
      const csr = await k.ok(['get', 'csr', '--no-headers']);
      expect(csr).toMatch(/kubernetes\.io\/kube-apiserver-client-kubelet\s+system:bootstrap:[a-z0-9]{6}\s+.*Approved,Issued/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
