/**
 * Iptables runs the iptables tools. Every call waits for the xtables lock (`-w`), as upstream's
 * utiliptables does. A command prefix lets tests and benchmarks run the same code inside a network
 * namespace (`ip netns exec NS`).
 */
import { spawn } from 'node:child_process';

/** An iptables table the proxier writes. */
export type Table = 'filter' | 'nat' | 'mangle';

/** The operations the proxier needs; the real one runs the tools, tests may fake it. */
export interface Iptables {
  /** restore feeds input to `iptables-restore --noflush`. Rejects with the tool's stderr on failure. */
  restore(input: string): Promise<void>;
  /** save returns `iptables-save -t table` output. */
  save(table: Table): Promise<string>;
  /** ensureChain creates a chain if it does not exist. */
  ensureChain(table: Table, chain: string): Promise<void>;
  /** chainExists reports whether a chain exists. */
  chainExists(table: Table, chain: string): Promise<boolean>;
  /** ensureRule inserts a rule at the top of a chain unless an identical rule is there (`-C` then `-I`). */
  ensureRule(table: Table, chain: string, args: string[]): Promise<void>;
  /** deleteRule removes every copy of a rule; a missing rule is not an error. */
  deleteRule(table: Table, chain: string, args: string[]): Promise<void>;
}

/** Result of one command. */
interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

const lockWaitSeconds = '5';

/** ExecIptables runs the real iptables, iptables-restore and iptables-save. */
export class ExecIptables implements Iptables {
  /** @param prefix runs every command under it, e.g. `['ip', 'netns', 'exec', 'nk-test-1']`. */
  constructor(private readonly prefix: readonly string[] = []) {}

  async restore(input: string): Promise<void> {
    const r = await this.run('iptables-restore', ['-w', lockWaitSeconds, '--noflush'], input);
    if (r.code !== 0) throw new Error(`iptables-restore failed (exit ${r.code}): ${r.stderr.trim()}`);
  }

  async save(table: Table): Promise<string> {
    const r = await this.run('iptables-save', ['-t', table]);
    if (r.code !== 0) throw new Error(`iptables-save -t ${table} failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  async ensureChain(table: Table, chain: string): Promise<void> {
    if (await this.chainExists(table, chain)) return;
    const r = await this.iptables(['-t', table, '-N', chain]);
    if (r.code !== 0 && !(await this.chainExists(table, chain))) throw new Error(`iptables -t ${table} -N ${chain} failed: ${r.stderr.trim()}`);
  }

  async chainExists(table: Table, chain: string): Promise<boolean> {
    return (await this.iptables(['-t', table, '-S', chain, '1'])).code === 0;
  }

  async ensureRule(table: Table, chain: string, args: string[]): Promise<void> {
    if ((await this.iptables(['-t', table, '-C', chain, ...args])).code === 0) return;
    const r = await this.iptables(['-t', table, '-I', chain, ...args]);
    if (r.code !== 0) throw new Error(`iptables -t ${table} -I ${chain} failed: ${r.stderr.trim()}`);
  }

  async deleteRule(table: Table, chain: string, args: string[]): Promise<void> {
    // Bounded: a rule can only have been inserted a handful of times.
    for (let i = 0; i < 16; i++) {
      if ((await this.iptables(['-t', table, '-D', chain, ...args])).code !== 0) return;
    }
  }

  private iptables(args: string[]): Promise<RunResult> {
    return this.run('iptables', ['-w', lockWaitSeconds, ...args]);
  }

  private run(cmd: string, args: string[], input?: string): Promise<RunResult> {
    const [file, ...rest] = [...this.prefix, cmd, ...args] as [string, ...string[]];
    return new Promise((resolve, reject) => {
      const child = spawn(file, rest, { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
      child.stdin.on('error', () => undefined);
      child.stdin.end(input ?? '');
    });
  }
}
