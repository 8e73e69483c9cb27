/**
 * The set-up every whole-lab suite shares (root only): whether a lab can run here, the dev `nanokube`
 * binary, and useLab, which brings one lab up for a describe block — `lab up` in a temp dir with a
 * unique name prefix and its own kubeconfig — and removes it afterwards; plus what `lab down` must leave
 * behind (nothing) and polling with a deadline.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { waitFor as poll } from '../helpers/wait.js';
import { canUseNetns, runSuffix, sh } from './netns.js';

export { sleep } from '../helpers/wait.js';

const bin = fileURLToPath(new URL('../../packages/cli/bin/nanokube.js', import.meta.url));

/** The lab's nodes, as `lab up` names them with its default 3 workers. */
export const labNodes = ['master', 'worker01', 'worker02', 'worker03'];

/** What a `nanokube` command printed (stdout then stderr) and its exit code. */
export interface NanokubeResult {
  code: number;
  out: string;
}

/** nanokube runs the dev binary and resolves with its exit code and output (never rejects on exit codes). */
export function nanokube(args: string[], timeoutMs = 60_000): Promise<NanokubeResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, out: stdout + stderr });
    });
  });
}

/**
 * canRunLab says whether a lab can come up here: root with `ip`, the lab package built, kubectl, runc
 * when opts.runc, and no address of this host in the lab network 192.168.56.0/24 (a user's lab is up).
 */
export async function canRunLab(opts: { runc?: boolean } = {}): Promise<boolean> {
  const built = existsSync(fileURLToPath(new URL('../../packages/lab/dist/index.js', import.meta.url)));
  if (!built || !hasKubectl()) return false;
  if (opts.runc && !(await sh(['runc', '--version']).then(() => true, () => false))) return false;
  if (/inet 192\.168\.56\./.test(await sh(['ip', '-o', '-4', 'addr']).catch(() => ''))) return false;
  return canUseNetns();
}

/** waitFor polls fn (at most every 250 ms) until it returns a value or ms pass; errors count as not yet. */
export function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  return poll(what, fn, ms, 250);
}

/** alive says whether pid runs (a zombie waiting for this machine's init to reap it does not). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** labLeftovers lists what a lab of this prefix left on the host: namespaces, links and its iptables chain. */
export async function labLeftovers(prefix: string): Promise<string[]> {
  const tag = prefix.slice(0, -1);
  const chain = `${tag.toUpperCase()}-LAB-FWD`;
  return [
    ...(await sh(['ip', 'netns', 'list'])).split('\n').filter((l) => l.startsWith(prefix)),
    ...(await sh(['ip', '-o', 'link', 'show'])).split('\n').filter((l) => l.includes(tag)),
    ...((await sh(['iptables', '-S'])).includes(chain) ? [`iptables chain ${chain}`] : []),
  ];
}

/** logTails returns the last lines of every component log of a lab folder (kept by a failed `lab up`). */
export async function logTails(labDir: string): Promise<string> {
  const parts: string[] = [];
  for (const node of labNodes) {
    for (const f of await readdir(join(labDir, node, 'logs')).catch(() => [] as string[])) {
      const text = await readFile(join(labDir, node, 'logs', f), 'utf8').catch(() => '');
      parts.push(`--- ${node}/${f}\n${text.split('\n').slice(-8).join('\n').slice(-3000)}`);
    }
  }
  return parts.join('\n');
}

/** One lab brought up by {@link useLab}; every field but prefix is set once its beforeAll ran. */
export interface Lab {
  /** The random prefix of the lab's namespace, link and cgroup names (`<tag><4 hex>-`). */
  readonly prefix: string;
  /** The suite's temp dir; the lab's folder is `<tmp>/lab`. */
  tmp: string;
  dir: string;
  kubeconfig: string;
  /** The real kubectl on the lab's merged kubeconfig. */
  kubectl: Kubectl;
  /** What `lab up` printed. */
  upOutput: string;
}

/** Options of {@link useLab}. */
export interface LabOptions {
  /** Two letters starting the lab's name prefix, different for every suite. */
  tag: string;
  /** More `lab up` flags. */
  flags?: string[];
  /** How long `lab up` may take (ms); the beforeAll may take 60 s more. */
  upTimeoutMs?: number;
  /** Runs once `lab up` returned, whether it succeeded or not, before its exit code is checked. */
  afterUp?: (up: NanokubeResult) => Promise<void>;
}

/**
 * useLab registers, in the calling describe block, a beforeAll that brings a lab up (and fails with its
 * output and the component logs' tails if `lab up` does) and an afterAll that takes it down and removes
 * its temp dir and kubectl home, whatever happened. It returns the lab the hooks fill in.
 */
export function useLab(opts: LabOptions): Lab {
  const lab = { prefix: `${opts.tag}${runSuffix().slice(0, 4)}-`, upOutput: '' } as Lab;
  const upTimeoutMs = opts.upTimeoutMs ?? 240_000;

  beforeAll(async () => {
    lab.tmp = await mkdtemp(join(tmpdir(), `nk-lab${opts.tag}-`));
    lab.dir = join(lab.tmp, 'lab');
    lab.kubeconfig = join(lab.tmp, 'kubeconfig');
    lab.kubectl = new Kubectl(lab.kubeconfig);
    const up = await nanokube(['lab', 'up', '--dir', lab.dir, '--prefix', lab.prefix, '--kubeconfig', lab.kubeconfig, '--timeout', '150', ...(opts.flags ?? [])], upTimeoutMs);
    lab.upOutput = up.out;
    await opts.afterUp?.(up);
    if (up.code !== 0) throw new Error(`lab up exited ${up.code}:\n${up.out}\n${await logTails(lab.dir)}`);
  }, upTimeoutMs + 60_000);

  afterAll(async () => {
    // A second `lab down` (after a test's own) is a no-op.
    if (lab.dir) {
      const down = await nanokube(['lab', 'down', '--dir', lab.dir], 120_000);
      if (down.code !== 0) console.error(`lab down exited ${down.code}:\n${down.out}`);
    }
    if (lab.tmp) await rm(lab.tmp, { recursive: true, force: true });
    if (lab.kubectl) await rm(lab.kubectl.home, { recursive: true, force: true });
  }, 150_000);

  return lab;
}
