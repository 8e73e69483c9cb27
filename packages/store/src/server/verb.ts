import { rename, writeFile } from 'node:fs/promises';
import {
  createLogger,
  intFlag,
  parseFlags,
  shutdownSignal,
  stringFlag,
  UsageError,
  type FlagSpecs,
  type Verb,
} from '@nanokube/component-base';
import { parseAutoCompaction, startAutoCompaction, type AutoCompaction } from './compactor.js';
import { defaultMaxRequestBytes } from './http/app.js';
import { startStoreServer } from './server.js';
import { isNanokubeSnapshot, parseSnapshot } from './snapshot/format.js';
import { restoreSnapshot } from './snapshot/restore.js';

const storeFlags: FlagSpecs = {
  name: { type: 'string', description: 'Human-readable name for this member', default: 'default' },
  'data-dir': { type: 'string', description: 'Path to the data directory (default "<name>.etcd")' },
  'listen-client-urls': {
    type: 'string',
    description: 'Comma-separated URLs to listen on for client traffic',
    default: 'http://127.0.0.1:2379',
  },
  'advertise-client-urls': { type: 'string', description: 'Accepted for etcd compatibility; unused' },
  'max-request-bytes': {
    type: 'string',
    description: 'Maximum client request size in bytes',
    default: String(defaultMaxRequestBytes),
  },
  'max-txn-ops': { type: 'string', description: 'Maximum number of operations per txn branch', default: '128' },
  'experimental-watch-progress-notify-interval': {
    type: 'string',
    description: 'Duration of periodic watch progress notifications',
    default: '10m',
  },
  'auto-compaction-retention': {
    type: 'string',
    description: 'History to keep: a duration or hours (periodic mode), or revisions; 0 disables',
  },
  'auto-compaction-mode': { type: 'string', description: 'periodic or revision', default: 'periodic' },
  'quota-backend-bytes': { type: 'string', description: 'Accepted for etcd compatibility; ignored' },
};

/** storeVerb is `nanokube store`: the etcd-compatible store as its own process. */
export const storeVerb: Verb = {
  name: 'store',
  summary: 'Run the key-value store (etcd v3 JSON gateway compatible)',
  usage: 'nanokube store --data-dir DIR [--listen-client-urls URL[,URL]]',
  flags: storeFlags,
  async run(argv) {
    const flags = parseFlags(argv, storeFlags);
    const name = stringFlag(flags, 'name') ?? 'default';
    const progress = parseDuration(stringFlag(flags, 'experimental-watch-progress-notify-interval') ?? '10m');
    const log = createLogger({ component: 'store', bindings: { name } });
    const quota = stringFlag(flags, 'quota-backend-bytes');
    if (quota !== undefined) {
      log.info({ flag: 'quota-backend-bytes', value: quota }, 'Ignored flag accepted for etcd compatibility');
    }
    let autoCompaction: AutoCompaction | undefined;
    try {
      const mode = stringFlag(flags, 'auto-compaction-mode');
      autoCompaction = parseAutoCompaction(mode, stringFlag(flags, 'auto-compaction-retention'), parseDuration);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const signal = shutdownSignal();
    const server = await startStoreServer({
      dataDir: stringFlag(flags, 'data-dir') ?? `${name}.etcd`,
      listen: (stringFlag(flags, 'listen-client-urls') ?? 'http://127.0.0.1:2379').split(',').map((s) => s.trim()),
      logger: log,
      maxRequestBytes: intFlag(flags, 'max-request-bytes'),
      maxTxnOps: intFlag(flags, 'max-txn-ops'),
      progressNotifyIntervalMs: progress,
    });
    const stopCompaction = autoCompaction ? startAutoCompaction(server.engine, autoCompaction, log) : undefined;
    if (!signal.aborted) {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    log.info({ reason: String(signal.reason) }, 'Shutting down store');
    stopCompaction?.();
    await server.close();
    log.flush();
    return 0;
  },
};

/** parseDuration parses a Go-style duration ("500ms", "10s", "1m30s", "2h") into milliseconds. */
export function parseDuration(s: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = s.trim();
  if (rest === '0') return 0;
  while (rest !== '') {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new UsageError(`invalid duration "${s}"`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

const snapshotFlags: FlagSpecs = {
  endpoints: { type: 'string', description: 'Store client URL to save from', default: 'http://127.0.0.1:2379' },
  'data-dir': { type: 'string', description: 'Data directory to restore into (must be empty or absent)' },
};

/** snapshotVerb is `nanokube snapshot save|restore`, as `etcdctl snapshot` does for etcd. */
export const snapshotVerb: Verb = {
  name: 'snapshot',
  summary: 'Save a snapshot of the store, or restore one into a new data dir',
  usage: 'nanokube snapshot save FILE [--endpoints URL] | nanokube snapshot restore FILE --data-dir DIR',
  flags: snapshotFlags,
  positionals: true,
  async run(argv) {
    const flags = parseFlags(argv, snapshotFlags, true);
    const [sub, file, extra] = flags.positionals;
    if (file === undefined || extra !== undefined) throw new UsageError('expected a subcommand and one FILE');
    if (sub === 'save') {
      const size = await saveSnapshot(stringFlag(flags, 'endpoints') ?? 'http://127.0.0.1:2379', file);
      process.stdout.write(`Snapshot saved at ${file} (${size} bytes)\n`);
      return 0;
    }
    if (sub === 'restore') {
      const dataDir = stringFlag(flags, 'data-dir', true)!;
      const { entries } = await restoreSnapshot(file, dataDir);
      process.stdout.write(`Restored ${entries} entries into ${dataDir}\n`);
      return 0;
    }
    throw new UsageError(`unknown snapshot subcommand "${sub ?? ''}"; use save or restore`);
  },
};

/** saveSnapshot streams a snapshot from endpoint into file (atomically) and returns its size. */
export async function saveSnapshot(endpoint: string, file: string): Promise<number> {
  const res = await fetch(new URL('/v3/maintenance/snapshot', endpoint), { method: 'POST', body: '{}' });
  if (!res.ok || res.body === null) throw new Error(`snapshot request failed: HTTP ${res.status} ${await res.text()}`);
  const parts: Buffer[] = [];
  let pending = '';
  const decoder = new TextDecoder();
  const take = (line: string): void => {
    if (line.trim() === '') return;
    const msg = JSON.parse(line) as { result?: { blob?: string }; error?: unknown };
    if (msg.error !== undefined) throw new Error(`snapshot failed: ${JSON.stringify(msg.error)}`);
    parts.push(Buffer.from(msg.result?.blob ?? '', 'base64'));
  };
  for await (const chunk of res.body) {
    pending += decoder.decode(chunk as Uint8Array, { stream: true });
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    lines.forEach(take);
  }
  take(pending);
  const blob = Buffer.concat(parts);
  // Verify ours before writing; an etcd snapshot (bolt db + sha256) is saved as streamed.
  if (isNanokubeSnapshot(blob)) parseSnapshot(blob);
  const tmp = `${file}.part`;
  await writeFile(tmp, blob, { mode: 0o600 });
  await rename(tmp, file);
  return blob.length;
}
