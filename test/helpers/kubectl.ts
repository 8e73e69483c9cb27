import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The kubectl minors installed on these machines (gcloud ships one binary per minor). */
export const kubectlMinors = [27, 28, 29, 30, 31, 32, 33] as const;

/** kubectlPath returns the versioned kubectl binary for a minor (1.32 by default). */
export function kubectlPath(minor = 32): string {
  return `/usr/lib/google-cloud-sdk/bin/kubectl.1.${minor}`;
}

export function hasKubectl(minor = 32): boolean {
  return existsSync(kubectlPath(minor));
}

/** What one kubectl run printed. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Kubectl runs the real kubectl against a kubeconfig, with its own HOME so discovery and HTTP caches never
 * leak between test runs (the wire contract's "rm -rf ~/.kube/cache" rule).
 */
export class Kubectl {
  readonly home: string;

  constructor(
    readonly kubeconfig: string,
    readonly minor = 32,
  ) {
    this.home = mkdtempSync(join(tmpdir(), 'nk-kubectl-home-'));
  }

  /** run executes `kubectl args...`, optionally feeding stdin, and never throws for a non-zero exit. */
  run(args: string[], opts: { stdin?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<KubectlResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(kubectlPath(this.minor), args, {
        env: { PATH: process.env['PATH'], HOME: this.home, KUBECONFIG: this.kubeconfig, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      child.stdin.end(opts.stdin ?? '');
    });
  }

  /** ok runs kubectl and throws with everything it printed unless it exited 0. */
  async ok(args: string[], opts: { stdin?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    return r.stdout;
  }
}
