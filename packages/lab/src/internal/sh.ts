import { execFile } from 'node:child_process';

/** sh runs argv (no shell) and resolves with stdout; a non-zero exit rejects with stderr in the message. */
export function sh(argv: readonly string[], opts: { timeoutMs?: number } = {}): Promise<string> {
  const [file, ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(file as string, args, { timeout: opts.timeoutMs ?? 15_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** shTolerant is {@link sh} where a failure whose message matches `ok` counts as success. */
export async function shTolerant(argv: readonly string[], ok: RegExp): Promise<void> {
  try {
    await sh(argv);
  } catch (err) {
    if (!ok.test((err as Error).message)) throw err;
  }
}

/** inNetns prefixes argv so it runs in the named network namespace, keeping this mount namespace. */
export function inNetns(netns: string, argv: readonly string[]): string[] {
  return ['nsenter', `--net=/run/netns/${netns}`, ...argv];
}
