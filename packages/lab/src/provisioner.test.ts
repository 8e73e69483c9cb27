import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordScriptComponents, scriptEnv, scriptNodePaths, stopScriptProcesses } from './provisioner.js';
import { isRunning } from './processes.js';
import type { LabState } from './state.js';
import { labTopology } from './topology.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const lib = join(repo, 'deploy', 'provision', 'lib.sh');
const kubeletFlags = new Set(['root-dir', 'runc-root', 'cgroup-parent', 'pod-logs-dir', 'image-root', 'pod-network-state-dir', 'registry-endpoint']);

function labState(dir: string): LabState {
  return {
    version: 1,
    dir,
    nanokubeBin: join(repo, 'packages/cli/bin/nanokube.js'),
    topology: labTopology({ prefix: 'nkt-', workers: 2 }),
    provisioner: 'vagrant-scripts',
    created: [],
    components: [],
  };
}

/** unitCommand runs lib.sh's nk_unit_command (what NANOKUBE_SYSTEMD=0 starts) with the lab's environment. */
function unitCommand(env: Record<string, string>, role: 'master' | 'worker', component: string): string[] {
  const res = spawnSync('bash', ['-c', `. ${lib}\nwrite_env_file ${role} >/dev/null || true\nnk_unit_command ${component}`], { env, encoding: 'utf8' });
  expect(res.status, res.stderr).toBe(0);
  return res.stdout.trim().split('\n');
}

describe('the vagrant-scripts provisioner', () => {
  let tmp = '';
  let state: LabState;

  beforeEach(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'nk-lab-prov-'));
    state = labState(join(tmp, 'lab'));
  });
  afterEach(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("gives the scripts each node's folders, and the kubelet the lab's per-node flags through NANOKUBE_KUBELET_EXTRA_ARGS", async () => {
    const worker = state.topology.nodes[2]!;
    const input = {
      verbs: new Map([['kubelet', kubeletFlags], ['controller-manager', new Set(['node-monitor-grace-period'])]]),
      runtime: 'runc',
      timeoutMs: 90_000,
      registryMirror: { listen: '192.168.56.10:5000', root: join(state.dir, 'master/registry') },
      nodeMonitorGracePeriod: '20s',
    };
    const env = scriptEnv(state, worker, input, { PATH: process.env['PATH'] ?? '', NANOKUBE_TOKEN: 'abcdef.0123456789abcdef', NANOKUBE_LOG_LEVEL: 'debug' });
    const nodeDir = join(state.dir, 'worker02');
    expect(env).toMatchObject({
      NANOKUBE_SYSTEMD: '0',
      NANOKUBE_SKIP_INSTALL: '1',
      NANOKUBE_SKIP_KERNEL: '1',
      NANOKUBE_NODE_NAME: 'worker02',
      NANOKUBE_NODE_IP: '192.168.56.102',
      NANOKUBE_CONF_DIR: join(nodeDir, 'kubernetes'),
      NANOKUBE_STATE_DIR: join(nodeDir, 'state'),
      NANOKUBE_LOG_DIR: join(nodeDir, 'logs'),
      NANOKUBE_SHARE_DIR: join(state.dir, 'share'),
      NANOKUBE_HOSTS: '192.168.56.10=master,192.168.56.101=worker01,192.168.56.102=worker02',
      NANOKUBE_CONTROLLER_MANAGER_EXTRA_ARGS: '--node-monitor-grace-period 20s',
      NANOKUBE_LOG_LEVEL: 'debug',
    });
    // A caller's own NANOKUBE_* settings never leak into the scripts.
    expect(env['NANOKUBE_TOKEN']).toBeUndefined();
    expect(env['NANOKUBE_BIN']).toBe(`${process.execPath} ${state.nanokubeBin}`);

    expect(unitCommand(env, 'worker', 'kubelet')).toEqual([
      'kubelet', '--runtime', 'runc', '--kubeconfig', join(nodeDir, 'kubernetes/kubelet.conf'), '--node-name', 'worker02', '--node-ip', '192.168.56.102',
      '--rotate-server-certificates',
      '--root-dir', join(nodeDir, 'kubelet'), '--runc-root', join(nodeDir, 'runc'), '--cgroup-parent', 'nanokube-lab-nkt-worker02',
      '--pod-logs-dir', join(nodeDir, 'pod-logs'), '--image-root', join(nodeDir, 'images'), '--pod-network-state-dir', join(nodeDir, 'network'),
      '--registry-endpoint', 'docker.io=http://192.168.56.10:5000',
    ]);
    expect(unitCommand(env, 'worker', 'proxy')).toEqual([
      'proxy', '--kubeconfig', join(nodeDir, 'kubernetes/proxy.conf'), '--hostname-override', 'worker02', '--node-ip', '192.168.56.102', '--cluster-cidr', '10.244.0.0/16',
    ]);
    const masterEnv = scriptEnv(state, state.topology.nodes[0]!, input, { PATH: process.env['PATH'] ?? '' });
    const dns = unitCommand(masterEnv, 'master', 'dns');
    expect(dns.slice(-2)).toEqual(['--resolv-conf', '/dev/null']);
    expect(unitCommand(masterEnv, 'master', 'store')).toEqual(['store', '--data-dir', join(state.dir, 'master/state/store'), '--listen-client-urls', 'http://127.0.0.1:2379']);
  });

  it('passes no kubelet flag the build lacks, and no grace period to a controller-manager without the flag', () => {
    const env = scriptEnv(state, state.topology.nodes[1]!, { verbs: new Map([['kubelet', new Set(['root-dir'])]]), runtime: 'simulated', timeoutMs: 60_000, nodeMonitorGracePeriod: '20s' }, {});
    expect(env['NANOKUBE_KUBELET_EXTRA_ARGS']).toBe(`--root-dir ${join(state.dir, 'worker01/kubelet')}`);
    expect(env['NANOKUBE_CONTROLLER_MANAGER_EXTRA_ARGS']).toBe('');
  });

  it('records what the scripts started from their pid files, and stops it by pid', async () => {
    const worker = state.topology.nodes[1]!;
    const runDir = join(scriptNodePaths(join(state.dir, worker.name)).stateDir, 'run');
    await mkdir(runDir, { recursive: true });
    // A stand-in component: a node process whose command line runs this lab's nanokube.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)', state.nanokubeBin, 'kubelet', '--node-name', 'worker01'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      await writeFile(join(runDir, 'kubelet.pid'), `${child.pid}\n`);
      // A pid file whose process is not ours (this test runner) is neither recorded nor stopped.
      await writeFile(join(runDir, 'proxy.pid'), `${process.pid}\n`);
      await mkdir(state.dir, { recursive: true });

      const recs = await recordScriptComponents(state, worker);
      expect(recs).toEqual([expect.objectContaining({
        node: 'worker01',
        name: 'kubelet',
        args: ['kubelet', '--node-name', 'worker01'],
        pid: child.pid,
        pidFile: join(runDir, 'kubelet.pid'),
        logFile: join(state.dir, 'worker01/logs/kubelet.log'),
      })]);
      expect(JSON.parse(await readFile(join(state.dir, 'lab.json'), 'utf8')).components).toHaveLength(1);

      expect(await stopScriptProcesses(state)).toEqual(['worker01/kubelet']);
      expect(await isRunning({ pid: child.pid as number })).toBe(false);
      expect(existsSync(join(runDir, 'kubelet.pid'))).toBe(false);
      expect(existsSync(join(runDir, 'proxy.pid'))).toBe(false);
      expect(await isRunning({ pid: process.pid })).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
