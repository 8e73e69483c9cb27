/**
 * Store backends for the multi-process suites: a real etcd 3.4 (Debian's etcd-server) and
 * nanokube's store, each a child process on free loopback ports with a temp data dir.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const etcdBinary = '/usr/bin/etcd';
export const nanokubeBin = path.join(repoRoot, 'packages/cli/bin/nanokube.js');

/** Backend is a running store process. */
export interface Backend {
  name: 'etcd' | 'nanokube';
  url: string;
  dataDir: string;
  proc: ChildProcess;
  /** kill -9 the process (the data dir stays). */
  kill(): Promise<void>;
  /** Stop the process and remove its data dir. */
  close(): Promise<void>;
}

/** freePort asks the kernel for a free loopback port (released before use; the window is tiny). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** etcdAvailable reports whether the etcd half can run, printing why not when it cannot. */
export function etcdAvailable(): boolean {
  if (existsSync(etcdBinary)) return true;
  console.warn(`SKIPPING the etcd half: ${etcdBinary} is missing (install Debian's etcd-server: bash deploy/install-deps.sh)`);
  return false;
}

let built = false;
/** buildNanokube compiles the CLI and its dependencies once per test file (tsc -b is incremental). */
export function buildNanokube(): void {
  if (built) return;
  execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: repoRoot, stdio: 'pipe' });
  built = true;
}

/** startEtcd starts a single-member etcd on free loopback ports with a fresh data dir. */
export async function startEtcd(): Promise<Backend> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nk-etcd-'));
  const [client, peer] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  const args = [
    '--name', 'default', '--data-dir', dataDir,
    '--listen-client-urls', url, '--advertise-client-urls', url,
    '--listen-peer-urls', peerUrl, '--initial-advertise-peer-urls', peerUrl,
    '--initial-cluster', `default=${peerUrl}`, '--log-level', 'error', '--logger', 'zap',
  ];
  return launch('etcd', etcdBinary, args, url, dataDir);
}

/** startNanokube starts `nanokube store` as a real process (reusing dataDir when given). */
export async function startNanokube(opts: { dataDir?: string; port?: number } = {}): Promise<Backend> {
  buildNanokube();
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), 'nk-store-'));
  const url = `http://127.0.0.1:${opts.port ?? (await freePort())}`;
  const args = [nanokubeBin, 'store', '--data-dir', dataDir, '--listen-client-urls', url];
  return launch('nanokube', process.execPath, args, url, dataDir);
}

async function launch(name: Backend['name'], cmd: string, args: string[], url: string, dataDir: string): Promise<Backend> {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    if (stderr.length < 20_000) stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const kill = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGKILL');
      await exited;
    }
  };
  const backend: Backend = {
    name,
    url,
    dataDir,
    proc,
    kill,
    close: async () => {
      await kill();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  try {
    await waitReady(url, proc);
  } catch (err) {
    await backend.close();
    throw new Error(`${name} did not start: ${(err as Error).message}\n${stderr}`);
  }
  return backend;
}

async function waitReady(url: string, proc: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`exited (${proc.exitCode ?? proc.signalCode})`);
    try {
      const res = await fetch(`${url}/v3/maintenance/status`, { method: 'POST', body: '{}' });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('not ready within 30 s');
}

/** rmDir removes a temp dir left by a killed backend. */
export function rmDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
