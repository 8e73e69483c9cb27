import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initControlPlaneFiles } from '@nanokube/pki';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resetNode } from './reset.js';

describe('resetNode', () => {
  let tmp = '';
  let conf = '';
  let store = '';
  let kubelet = '';
  const noMounts = async (): Promise<string[]> => [];

  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nk-reset-'));
    conf = join(tmp, 'etc-kubernetes');
    store = join(tmp, 'state', 'store');
    kubelet = join(tmp, 'state', 'kubelet');
    await mkdir(join(store, 'db'), { recursive: true });
    await writeFile(join(store, 'db', 'CURRENT'), 'MANIFEST-000001\n');
    await mkdir(join(kubelet, 'pods', 'uid-1'), { recursive: true });
    await writeFile(join(kubelet, 'pods', 'uid-1', 'hosts'), '127.0.0.1 localhost\n');
  });

  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('removes every file init writes (proxy.conf included), the pki contents, the store data and the kubelet state', async () => {
    const init = await initControlPlaneFiles({ dir: conf, advertiseAddress: '192.168.56.10', nodeName: 'master' });
    expect(existsSync(init.proxyConf)).toBe(true);
    // Something reset does not own stays.
    await writeFile(join(conf, 'notes.txt'), 'mine\n');

    const res = await resetNode({ dir: conf, storeDataDir: store, kubeletDir: kubelet, mountPoints: noMounts });

    expect(res.storeDataDir).toBe(store);
    expect(res.dirs).toEqual([join(conf, 'manifests'), kubelet, join(conf, 'pki')]);
    expect(res.files).toContain(join(conf, 'proxy.conf'));
    expect(res.files).not.toContain(join(conf, 'kube-proxy.conf'));
    expect(res.skipped).toEqual([]);
    for (const f of [init.adminConf, init.superAdminConf, init.kubeletConf, init.controllerManagerConf, init.schedulerConf, init.proxyConf]) {
      expect(existsSync(f), f).toBe(false);
    }
    // kubeadm's CleanDir: the folders stay, emptied.
    expect(await readdir(join(conf, 'pki'))).toEqual([]);
    expect(await readdir(store)).toEqual([]);
    expect(await readdir(kubelet)).toEqual([]);
    expect(await readdir(conf)).toEqual(['notes.txt', 'pki']);
  }, 60_000);

  it('removes what join writes on a worker, where there is no store', async () => {
    await mkdir(join(conf, 'pki'), { recursive: true });
    for (const f of ['kubelet.conf', 'bootstrap-kubelet.conf', 'proxy.conf', 'pki/ca.crt']) await writeFile(join(conf, f), 'x');
    const res = await resetNode({ dir: conf, storeDataDir: join(tmp, 'no-store'), kubeletDir: kubelet, mountPoints: noMounts });
    expect(res.storeDataDir).toBeUndefined();
    expect(existsSync(join(tmp, 'no-store'))).toBe(false);
    expect(await readdir(conf)).toEqual(['pki']);
    expect(await readdir(join(conf, 'pki'))).toEqual([]);
  });

  it('leaves the kubelet folder alone while something is mounted below it', async () => {
    const mounted = join(kubelet, 'pods', 'uid-1', 'volumes', 'data');
    const res = await resetNode({
      dir: conf,
      storeDataDir: store,
      kubeletDir: kubelet,
      mountPoints: async () => ['/', `${kubelet}-other/x`, mounted],
    });
    expect(res.skipped).toEqual([{ dir: kubelet, reason: `1 mount point below it (${mounted})` }]);
    expect(res.dirs).not.toContain(kubelet);
    expect(existsSync(join(kubelet, 'pods', 'uid-1', 'hosts'))).toBe(true);
    // The rest is still reset.
    expect(await readdir(store)).toEqual([]);
  });
});
