/**
 * Real pods in the lab, as root on this machine: `nanokube lab up --workers 1` with runc kubelets, then the
 * real kubectl runs nginx (`kubectl run web --image=nginx --port 80`, pulled through the master's docker.io
 * mirror since `:latest` means imagePullPolicy Always), the master fetches the welcome page from the pod IP,
 * `kubectl logs` shows the access line, a missing tag gives ErrImagePull/ImagePullBackOff, deleting the pod
 * removes its container and namespace, and `lab down` leaves nothing. Skipped without runc, the offline
 * images, kubectl, or when the host already has a lab network.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canRunLab, labLeftovers, nanokube, useLab, waitFor } from './fixture.js';
import { sh } from './netns.js';

const enabled = await canRunLab({ runc: true });

describe.skipIf(!enabled)('runc pods in the lab', () => {
  const lab = useLab({ tag: 'nr', flags: ['--workers', '1'] });

  const podField = async (name: string, path: string) =>
    (await lab.kubectl.run(['get', 'pod', name, '-o', `jsonpath={${path}}`])).stdout.trim();

  it('runs nginx with a pod IP the master can reach, with logs', async () => {
    expect(lab.upOutput).toContain('docker.io mirror on http://192.168.56.10:5000');
    const t0 = Date.now();
    await lab.kubectl.ok(['run', 'web', '--image=nginx', '--port', '80']);
    await waitFor('web Running', async () => ((await podField('web', '.status.phase')) === 'Running' ? true : undefined), 90_000);
    console.log(`kubectl run web -> Running in ${Date.now() - t0} ms`);
    const ip = await podField('web', '.status.podIP');
    expect(ip).toMatch(/^10\.244\.\d+\.\d+$/);
    expect(await podField('web', '.status.containerStatuses[0].containerID')).toMatch(/^runc:\/\/[0-9a-f]{64}$/);
    const page = await waitFor('the welcome page', async () => {
      const r = await nanokube(['lab', 'ssh', 'master', '--dir', lab.dir, '--', 'busybox', 'wget', '-q', '-O', '-', `http://${ip}/`]);
      return r.out.includes('Welcome to nginx!') ? r.out : undefined;
    }, 20_000);
    expect(page).toContain('Welcome to nginx!');
    const logs = await waitFor('the access line', async () => {
      const out = await lab.kubectl.ok(['logs', 'web']);
      return /"GET \/ HTTP\/1\.[01]" 200/.test(out) ? out : undefined;
    }, 10_000);
    expect(logs).toContain('192.168.56.10');
  }, 150_000);

  it('starts several pods and reports their startup time', async () => {
    const names = ['p1', 'p2', 'p3'];
    const t0 = Date.now();
    for (const n of names) await lab.kubectl.ok(['run', n, '--image=busybox:latest', '--image-pull-policy=IfNotPresent', '--', 'sleep', '3600']);
    const times: number[] = [];
    for (const n of names) {
      await waitFor(`${n} Running`, async () => ((await podField(n, '.status.phase')) === 'Running' ? true : undefined), 90_000);
      times.push(Date.now() - t0);
    }
    console.log(`busybox pods Running after ${times.join(', ')} ms (created together)`);
    await lab.kubectl.ok(['delete', 'pod', ...names, '--wait=false']);
  }, 150_000);

  it('gives ErrImagePull / ImagePullBackOff for a tag that exists nowhere', async () => {
    await lab.kubectl.ok(['run', 'missing', '--image=nginx:1.17.23']);
    const reason = await waitFor('a pull error', async () => {
      const r = await podField('missing', '.status.containerStatuses[0].state.waiting.reason');
      return r === 'ErrImagePull' || r === 'ImagePullBackOff' ? r : undefined;
    }, 60_000);
    expect(['ErrImagePull', 'ImagePullBackOff']).toContain(reason);
    await lab.kubectl.ok(['delete', 'pod', 'missing', '--wait=false']);
  }, 90_000);

  it('deleting the pod removes its container and its network namespace', async () => {
    const uid = await podField('web', '.metadata.uid');
    const node = await podField('web', '.spec.nodeName');
    expect(existsSync(`/run/netns/nk-${uid}`)).toBe(true);
    await lab.kubectl.ok(['delete', 'pod', 'web', '--timeout=60s']);
    await waitFor('the pod namespace gone', async () => (existsSync(`/run/netns/nk-${uid}`) ? undefined : true), 20_000);
    const runcRoot = join(lab.dir, node, 'runc');
    const left = (await sh(['runc', '--root', runcRoot, 'list', '-q']).catch(() => '')).trim().split('\n').filter(Boolean);
    const ids = await Promise.all(left.map(async (id) => (await sh(['runc', '--root', runcRoot, 'state', id]).catch(() => '')).includes(uid)));
    expect(ids.filter(Boolean)).toEqual([]);
    // The pod folder goes when the kubelet removes the sandbox, after the API object is gone.
    await waitFor('the pod folder gone', async () => (existsSync(join(lab.dir, node, 'kubelet', 'pods', uid)) ? undefined : true), 20_000);
  }, 90_000);

  it('lab down leaves no namespace, container process, mount or cgroup behind', async () => {
    const down = await nanokube(['lab', 'down', '--dir', lab.dir], 120_000);
    expect(down.code).toBe(0);
    expect(await labLeftovers(lab.prefix)).toEqual([]);
    expect((await sh(['cat', '/proc/self/mountinfo'])).includes(lab.dir)).toBe(false);
    const cgroups = (await readdir('/sys/fs/cgroup/memory')).filter((d) => d.includes(lab.prefix));
    expect(cgroups).toEqual([]);
    expect(existsSync(lab.dir)).toBe(false);
  }, 150_000);
});
