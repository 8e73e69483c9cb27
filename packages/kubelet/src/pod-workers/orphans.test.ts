import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { createLogger } from '@nanokube/component-base';
import { describe, expect, it } from 'vitest';
import { SimulatedPodNetwork } from '../runtime/simulated/network.js';
import { SimulatedRuntime } from '../runtime/simulated/runtime.js';
import type { PodSandboxConfig } from '../runtime/types.js';
import { VolumeManager } from '../volumes/manager.js';
import { findOrphanedPods, orphanPod } from './orphans.js';

const log = createLogger({ component: 'test', level: 'silent', pretty: false });

function sandbox(name: string, uid: string): PodSandboxConfig {
  const pod: Pod = { metadata: { name, namespace: 'default', uid }, spec: { containers: [] } };
  return { metadata: { name, namespace: 'default', uid, attempt: 0 }, hostname: name, logDirectory: '/tmp/none', hostNetwork: false, labels: {}, annotations: {}, pod };
}

describe('orphaned pods', () => {
  it('finds sandboxes and pod folders of pods the apiserver no longer lists, never a listed pod', async () => {
    const network = new SimulatedPodNetwork();
    await network.configure({ podCIDR: '10.244.1.0/24' });
    const runtime = new SimulatedRuntime({ network, jobDurationMs: 1000 });
    await runtime.runPodSandbox(sandbox('kept', 'u-kept'));
    await runtime.runPodSandbox(sandbox('gone', 'u-gone'));
    const orphans = await findOrphanedPods(runtime, ['u-kept', 'u-gone', 'u-dir-only'], new Set(['u-kept']));
    expect(orphans).toEqual([
      { uid: 'u-gone', namespace: 'default', name: 'gone' },
      { uid: 'u-dir-only', namespace: '', name: '' },
    ]);
    expect(orphanPod(orphans[0] as never).metadata).toEqual({ uid: 'u-gone', namespace: 'default', name: 'gone' });
    expect(await findOrphanedPods(runtime, ['u-kept'], new Set(['u-kept', 'u-gone']))).toEqual([]);
  });

  it('removes an orphan pod folder with its volumes, and lists pod folders', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'nk-orphan-'));
    try {
      const podsDir = join(dir, 'pods');
      const vm = new VolumeManager({ sources: {} as never, podsDir, nodeAllocatable: () => ({}), now: () => Date.now(), log });
      await mkdir(join(podsDir, 'u-gone', 'volumes', 'kubernetes.io~empty-dir', 'data'), { recursive: true });
      await writeFile(join(podsDir, 'u-gone', 'volumes', 'kubernetes.io~empty-dir', 'data', 'f'), 'x');
      await mkdir(join(podsDir, 'u-gone', 'containers', 'c-0'), { recursive: true });
      await mkdir(join(podsDir, 'u-kept', 'volumes'), { recursive: true });
      expect((await vm.podDirUids()).sort()).toEqual(['u-gone', 'u-kept']);
      await vm.removePodDir('u-gone');
      expect(await readdir(podsDir)).toEqual(['u-kept']);
      await vm.removePodDir('u-missing');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
