/**
 * Real pods in the lab, as root on this machine: `nanokube lab up --workers 1` with runc kubelets, then the
 * real kubectl runs nginx (`kubectl run web --image=nginx --port 80`, pulled through the master's docker.io
 * mirror since `:latest` means imagePullPolicy Always), the master fetches the welcome page from the pod IP,
 * `kubectl logs` shows the access line, a missing tag gives ErrImagePull/ImagePullBackOff, deleting the pod
 * removes its container and namespace, and `lab down` leaves nothing. Skipped without runc, the offline
 * images, kubectl, or when the host already has a lab network.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { canUseNetns, runSuffix, sh } from './netns.js';

const bin = fileURLToPath(new URL('../../packages/cli/bin/nanokube.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../packages/lab/dist/index.js', import.meta.url)));
const hostHasLabNet = /inet 192\.168\.56\./.test(await sh(['ip', '-o', '-4', 'addr']).catch(() => ''));
const haveRunc = await sh(['runc', '--version']).then(() => true, () => false);
const enabled = built && haveRunc && hasKubectl() && !hostHasLabNet && (await canUseNetns());

function nanokube(args: string[], timeoutMs = 60_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!enabled)('runc pods in the lab', () => {
  const prefix = `nr${runSuffix().slice(0, 4)}-`;
  let tmp: string;
  let dir: string;
  let kubectl: Kubectl;
  let upOutput = '';

  /** waitFor polls fn (at most every 250 ms) until it returns a value or the deadline passes. */
  async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const v = await fn().catch(() => undefined);
      if (v !== undefined) return v;
      await sleep(250);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  const podField = async (name: string, path: string) =>
    (await kubectl.run(['get', 'pod', name, '-o', `jsonpath={${path}}`])).stdout.trim();

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nk-labrunc-'));
    dir = join(tmp, 'lab');
    kubectl = new Kubectl(join(tmp, 'kubeconfig'));
    const up = await nanokube(['lab', 'up', '--dir', dir, '--prefix', prefix, '--workers', '1', '--kubeconfig', join(tmp, 'kubeconfig'), '--timeout', '150'], 240_000);
    upOutput = up.out;
    if (up.code !== 0) throw new Error(`lab up exited ${up.code}:\n${up.out}`);
  }, 300_000);

  afterAll(async () => {
    if (dir) await nanokube(['lab', 'down', '--dir', dir], 120_000);
    if (tmp) await rm(tmp, { recursive: true, force: true });
    if (kubectl) await rm(kubectl.home, { recursive: true, force: true });
  }, 150_000);

  it('runs nginx with a pod IP the master can reach, with logs', async () => {
    expect(upOutput).toContain('docker.io mirror on http://192.168.56.10:5000');
    const t0 = Date.now();
    await kubectl.ok(['run', 'web', '--image=nginx', '--port', '80']);
    await waitFor('web Running', async () => ((await podField('web', '.status.phase')) === 'Running' ? true : undefined), 90_000);
    console.log(`kubectl run web -> Running in ${Date.now() - t0} ms`);
    const ip = await podField('web', '.status.podIP');
    expect(ip).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(await podField('web', '.status.containerStatuses[0].containerID')).toMatch(/^runc:\/\/[0-9a-f]{64}$/);
    const page = await waitFor('the welcome page', async () => {
      const r = await nanokube(['lab', 'ssh', 'master', '--dir', dir, '--', 'busybox', 'wget', '-q', '-O', '-', `http://${ip}/`]);
      return r.out.includes('Welcome to nginx!') ? r.out : undefined;
    }, 20_000);
    expect(page).toContain('Welcome to nginx!');
    const logs = await waitFor('the access line', async () => {
      const out = await kubectl.ok(['logs', 'web']);
      return /"GET \/ HTTP\/1\.[01]" 200/.test(out) ? out : undefined;
    }, 10_000);
    expect(logs).toContain('192.168.56.10');
  }, 150_000);

  it('starts several pods and reports their startup time', async () => {
    const names = ['p1', 'p2', 'p3'];
    const t0 = Date.now();
    for (const n of names) await kubectl.ok(['run', n, '--image=busybox:latest', '--image-pull-policy=IfNotPresent', '--', 'sleep', '3600']);
    const times: number[] = [];
    for (const n of names) {
      await waitFor(`${n} Running`, async () => ((await podField(n, '.status.phase')) === 'Running' ? true : undefined), 90_000);
      times.push(Date.now() - t0);
    }
    console.log(`busybox pods Running after ${times.join(', ')} ms (created together)`);
    await kubectl.ok(['delete', 'pod', ...names, '--wait=false']);
  }, 150_000);

  it('gives ErrImagePull / ImagePullBackOff for a tag that exists nowhere', async () => {
    await kubectl.ok(['run', 'missing', '--image=nginx:1.17.23']);
    const reason = await waitFor('a pull error', async () => {
      const r = await podField('missing', '.status.containerStatuses[0].state.waiting.reason');
      return r === 'ErrImagePull' || r === 'ImagePullBackOff' ? r : undefined;
    }, 60_000);
    expect(['ErrImagePull', 'ImagePullBackOff']).toContain(reason);
    await kubectl.ok(['delete', 'pod', 'missing', '--wait=false']);
  }, 90_000);

  it('deleting the pod removes its container and its network namespace', async () => {
    const uid = await podField('web', '.metadata.uid');
    const node = await podField('web', '.spec.nodeName');
    expect(existsSync(`/run/netns/nk-${uid}`)).toBe(true);
    await kubectl.ok(['delete', 'pod', 'web', '--timeout=60s']);
    await waitFor('the pod namespace gone', async () => (existsSync(`/run/netns/nk-${uid}`) ? undefined : true), 20_000);
    const runcRoot = join(dir, node, 'runc');
    const left = (await sh(['runc', '--root', runcRoot, 'list', '-q']).catch(() => '')).trim().split('\n').filter(Boolean);
    const ids = await Promise.all(left.map(async (id) => (await sh(['runc', '--root', runcRoot, 'state', id]).catch(() => '')).includes(uid)));
    expect(ids.filter(Boolean)).toEqual([]);
    // The pod folder goes when the kubelet removes the sandbox, after the API object is gone.
    await waitFor('the pod folder gone', async () => (existsSync(join(dir, node, 'kubelet', 'pods', uid)) ? undefined : true), 20_000);
  }, 90_000);

  it('lab down leaves no namespace, container process, mount or cgroup behind', async () => {
    const down = await nanokube(['lab', 'down', '--dir', dir], 120_000);
    expect(down.code).toBe(0);
    expect((await sh(['ip', 'netns', 'list'])).split('\n').filter((l) => l.startsWith(prefix))).toEqual([]);
    expect((await sh(['cat', '/proc/self/mountinfo'])).includes(dir)).toBe(false);
    const cgroups = (await readdir('/sys/fs/cgroup/memory')).filter((d) => d.includes(prefix));
    expect(cgroups).toEqual([]);
    expect(existsSync(dir)).toBe(false);
  }, 150_000);
});
