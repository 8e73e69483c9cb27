/** `nanokube reset`: removes what init or join wrote, as `kubeadm reset` (asks first unless --force). */
import { createInterface } from 'node:readline/promises';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { parseFlags, stringFlag, type Verb } from '@nanokube/component-base';

const flags = {
  dir: { type: 'string' as const, description: 'The folder init or join wrote (kubeadm: /etc/kubernetes)', default: '/etc/kubernetes' },
  force: { type: 'boolean' as const, short: 'f', description: 'Reset the node without prompting for confirmation' },
};

/** The files kubeadm reset deletes, relative to the config folder. */
export const resetFiles = ['admin.conf', 'super-admin.conf', 'kubelet.conf', 'bootstrap-kubelet.conf', 'controller-manager.conf', 'scheduler.conf', 'kube-proxy.conf'];
/** The folders whose contents reset deletes. */
export const resetDirs = ['pki', 'manifests', 'store', 'kubelet'];

/** resetNode deletes init/join state under dir and returns what it removed. */
export async function resetNode(dir: string): Promise<{ files: string[]; dirs: string[] }> {
  const files = resetFiles.map((f) => join(dir, f)).filter((p) => existsSync(p));
  const dirs = resetDirs.map((d) => join(dir, d)).filter((p) => existsSync(p));
  for (const p of [...files, ...dirs]) await rm(p, { recursive: true, force: true });
  return { files, dirs };
}

/** resetVerb is `nanokube reset`. */
export const resetVerb: Verb = {
  name: 'reset',
  summary: 'Remove the changes init or join made to this host (kubeadm reset)',
  usage: 'nanokube reset [--dir DIR] [--force]',
  flags,
  async run(argv) {
    const f = parseFlags(argv, flags);
    const dir = stringFlag(f, 'dir') ?? '/etc/kubernetes';
    if (f.values['force'] !== true) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      const answer = await rl.question('[reset] Are you sure you want to proceed? [y/N]: ');
      rl.close();
      if (!/^y(es)?$/i.test(answer.trim())) {
        process.stderr.write('error execution phase preflight: aborted reset operation\n');
        return 1;
      }
    }
    const { files, dirs } = await resetNode(dir);
    process.stdout.write(`[reset] Deleting contents of directories: [${dirs.join(' ')}]\n[reset] Deleting files: [${files.join(' ')}]\n`);
    process.stdout.write('\nThe reset process does not stop running nanokube processes: stop them (systemctl stop kubelet, or the lab) yourself.\n');
    return 0;
  },
};
