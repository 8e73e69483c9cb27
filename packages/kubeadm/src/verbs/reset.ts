/**
 * `nanokube reset`: removes what init or join wrote, as `kubeadm reset` does (asks first unless --force):
 * the store's data (kubeadm: the local etcd member's data directory), the contents of the kubelet's
 * folder, of `manifests/` and `pki/` under the config folder, and the kubeconfigs init and join write.
 * Like kubeadm's, it leaves iptables rules and the user's kubeconfig alone. Unlike kubeadm's, it stops
 * nothing: it runs after the user stopped the services (`systemctl stop 'nanokube-*'`).
 */
import { createInterface } from 'node:readline/promises';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseFlags, stringFlag, type Verb } from '@nanokube/component-base';

/** Where the store keeps its data on a node provisioned with the systemd units (kubeadm: /var/lib/etcd). */
export const defaultStoreDataDir = '/var/lib/nanokube/store';
/** The kubelet's `--root-dir` default (kubeadm: /var/lib/kubelet). */
export const defaultKubeletDir = '/var/lib/nanokube/kubelet';

const flags = {
  dir: { type: 'string' as const, description: 'The folder init or join wrote (kubeadm: /etc/kubernetes)', default: '/etc/kubernetes' },
  'store-data-dir': { type: 'string' as const, description: "The store's data folder, whose contents are deleted (kubeadm: the etcd data dir)", default: defaultStoreDataDir },
  'kubelet-dir': { type: 'string' as const, description: "The kubelet's root folder, whose contents are deleted (kubeadm: /var/lib/kubelet)", default: defaultKubeletDir },
  force: { type: 'boolean' as const, short: 'f', description: 'Reset the node without prompting for confirmation' },
};

/** The files reset deletes, relative to the config folder: kubeadm's list, with init's proxy.conf for its kube-proxy kubeconfig. */
export const resetFiles = ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'bootstrap-kubelet.conf', 'controller-manager.conf', 'scheduler.conf', 'proxy.conf'];
/** The folders under the config folder whose contents reset deletes (the folders themselves stay, as kubeadm's CleanDir). */
export const resetConfigDirs = ['manifests', 'pki'];

/** Options of {@link resetNode}. */
export interface ResetOptions {
  /** The config folder (kubeadm's /etc/kubernetes). */
  dir: string;
  /** The store's data folder; default {@link defaultStoreDataDir}. */
  storeDataDir?: string;
  /** The kubelet's root folder; default {@link defaultKubeletDir}. */
  kubeletDir?: string;
  /** Lists the mount points of this host (default: from /proc/self/mountinfo). */
  mountPoints?: () => Promise<string[]>;
}

/** What {@link resetNode} did. */
export interface ResetResult {
  /** The store data folder whose contents were deleted, when it existed. */
  storeDataDir?: string;
  /** Folders whose contents reset deletes, in kubeadm's order (manifests, the kubelet's folder, pki). */
  dirs: string[];
  /** Files reset deletes (kubeadm prints the whole list, present or not). */
  files: string[];
  /** Folders left alone, with why. */
  skipped: { dir: string; reason: string }[];
}

/**
 * resetNode deletes the node state init and join made (see the module comment). The kubelet's folder is
 * left alone while anything is mounted below it (a pod's container still running): deleting through a
 * mount would delete the mounted files (a hostPath volume's, say).
 */
export async function resetNode(opts: ResetOptions): Promise<ResetResult> {
  const dir = resolve(opts.dir);
  const result: ResetResult = { dirs: [], files: resetFiles.map((f) => join(dir, f)), skipped: [] };
  const storeDataDir = resolve(opts.storeDataDir ?? defaultStoreDataDir);
  if (existsSync(storeDataDir)) {
    await cleanDir(storeDataDir);
    result.storeDataDir = storeDataDir;
  }
  const kubeletDir = resolve(opts.kubeletDir ?? defaultKubeletDir);
  const mounts = (await (opts.mountPoints ?? hostMountPoints)()).filter((m) => m.startsWith(`${kubeletDir}/`));
  const dirs = [join(dir, resetConfigDirs[0] as string), kubeletDir, join(dir, resetConfigDirs[1] as string)];
  for (const d of dirs) {
    if (d === kubeletDir && mounts.length > 0) {
      result.skipped.push({ dir: d, reason: `${mounts.length} mount point${mounts.length === 1 ? '' : 's'} below it (${mounts[0]}${mounts.length > 1 ? ', ...' : ''})` });
      continue;
    }
    result.dirs.push(d);
    await cleanDir(d);
  }
  for (const f of result.files) await rm(f, { force: true });
  return result;
}

/** cleanDir deletes what is inside dir and keeps dir itself; a missing dir is fine. */
async function cleanDir(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [] as string[];
    throw err;
  });
  for (const e of entries) await rm(join(dir, e), { recursive: true, force: true });
}

async function hostMountPoints(): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
  return info
    .split('\n')
    .map((l) => (l.split(' ')[4] ?? '').replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p !== '');
}

/** resetVerb is `nanokube reset`. */
export const resetVerb: Verb = {
  name: 'reset',
  summary: 'Remove the changes init or join made to this host (kubeadm reset)',
  usage: 'nanokube reset [--dir DIR] [--store-data-dir DIR] [--kubelet-dir DIR] [--force]',
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    if (f.values['force'] !== true) {
      process.stdout.write('[reset] WARNING: Changes made to this host by \'nanokube init\' or \'nanokube join\' will be reverted.\n');
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question('[reset] Are you sure you want to proceed? [y/N]: ');
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        process.stderr.write('error execution phase preflight: aborted reset operation\n');
        return 1;
      }
    }
    const res = await resetNode({
      dir: stringFlag(f, 'dir') ?? '/etc/kubernetes',
      storeDataDir: stringFlag(f, 'store-data-dir') ?? defaultStoreDataDir,
      kubeletDir: stringFlag(f, 'kubelet-dir') ?? defaultKubeletDir,
    });
    const out = (line: string): void => void process.stdout.write(`${line}\n`);
    if (res.storeDataDir) out(`[reset] Deleted contents of the store data directory: ${res.storeDataDir}`);
    for (const s of res.skipped) out(`[reset] WARNING: Not deleting the contents of ${s.dir}: ${s.reason}. Stop the pods' containers, unmount, and run reset again`);
    out(`[reset] Deleting contents of directories: [${res.dirs.join(' ')}]`);
    out(`[reset] Deleting files: [${res.files.join(' ')}]`);
    out('');
    out('The reset process does not stop running nanokube processes: stop them first (systemctl stop \'nanokube-*\', or `nanokube lab down`).');
    out('');
    out('The reset process does not reset or clean up iptables rules or IPVS tables.');
    out('If you wish to reset iptables, you must do so manually by using the "iptables" command.');
    out('');
    out('The reset process does not clean your kubeconfig files and you must remove them manually.');
    out('Please, check the contents of the $HOME/.kube/config file.');
    return 0;
  },
};
