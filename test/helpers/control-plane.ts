import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from './ports.js';

/** The built `nanokube` entry script (tests run after `tsc -b`). */
export const nanokubeBin = resolve(import.meta.dirname, '../../packages/cli/bin/nanokube.js');

/** A `nanokube up` process under test. */
export interface TestControlPlane {
  dir: string;
  adminConf: string;
  server: string;
  securePort: number;
  storePort: number;
  process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/**
 * startTestControlPlane runs the real `nanokube up` on free loopback ports in a temp dir, waits for it to
 * print that it is ready, and returns a handle whose stop() sends SIGTERM (then SIGKILL) and removes the dir.
 */
export async function startTestControlPlane(opts: { timeoutMs?: number; extraArgs?: string[] } = {}): Promise<TestControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'nk-up-'));
  const securePort = await freePort();
  const storePort = await freePort();
  const child = spawn(
    process.execPath,
    [nanokubeBin, 'up', '--dir', dir, '--secure-port', String(securePort), '--store-port', String(storePort), ...(opts.extraArgs ?? [])],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NANOKUBE_LOG_LEVEL: 'warn' } },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  while (!output.includes('control plane is ready')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`nanokube up did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    dir,
    adminConf: join(dir, 'admin.conf'),
    server: `https://127.0.0.1:${securePort}`,
    securePort,
    storePort,
    process: child,
    output: () => output,
    stop,
  };
}
