import { createLogger, type Logger } from '@nanokube/component-base';
import type { Clock } from './clock.js';
import { StoreEngine } from './engine.js';
import { buildStoreApp, type StoreApp } from './http/app.js';

/** StoreServerOptions configure {@link startStoreServer}. */
export interface StoreServerOptions {
  dataDir: string;
  /** Client URL(s) to listen on, e.g. `http://127.0.0.1:2379`; port 0 picks a free port. */
  listen: string | string[];
  logger?: Logger | undefined;
  /** Largest accepted request (etcd's --max-request-bytes, default 1.5 MiB). */
  maxRequestBytes?: number | undefined;
  maxTxnOps?: number | undefined;
  /** Interval of watch progress notifications (default 10 minutes, as etcd). */
  progressNotifyIntervalMs?: number | undefined;
  clock?: Clock | undefined;
}

/** StoreServer is a running store: its client URLs, its engine, and how to stop it. */
export interface StoreServer {
  /** The first client URL, with the actual port. */
  url: string;
  urls: string[];
  engine: StoreEngine;
  /** close stops accepting, ends watch streams, answers in-flight writes and closes the db. */
  close(): Promise<void>;
}

/** startStoreServer opens the store in dataDir and serves etcd's v3 JSON gateway on listen. */
export async function startStoreServer(opts: StoreServerOptions): Promise<StoreServer> {
  const log = opts.logger ?? createLogger({ component: 'store' });
  const engine = await StoreEngine.open({
    dataDir: opts.dataDir,
    logger: log,
    maxTxnOps: opts.maxTxnOps,
    progressNotifyIntervalMs: opts.progressNotifyIntervalMs,
    clock: opts.clock,
  });
  const apps: StoreApp[] = [];
  const urls: string[] = [];
  try {
    for (const raw of Array.isArray(opts.listen) ? opts.listen : [opts.listen]) {
      const u = parseListenUrl(raw);
      const app = buildStoreApp({ engine, logger: log, maxRequestBytes: opts.maxRequestBytes });
      apps.push(app);
      await app.app.listen({ host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port || 2379) });
      const addr = app.app.server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : Number(u.port);
      urls.push(`http://${u.hostname}:${port}`);
    }
  } catch (err) {
    await Promise.allSettled(apps.map((a) => a.app.close()));
    await engine.close();
    throw err;
  }
  log.info({ urls, dataDir: opts.dataDir, revision: engine.revision }, 'Serving client requests');
  let closing: Promise<void> | undefined;
  return {
    url: urls[0]!,
    urls,
    engine,
    close: () =>
      (closing ??= (async () => {
        const closed = apps.map((a) => a.app.close());
        for (const a of apps) a.endStreams();
        await Promise.all(closed);
        await engine.close();
        log.info('Stopped store');
      })()),
  };
}

function parseListenUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`invalid listen URL "${raw}"`);
  }
  if (u.protocol !== 'http:') throw new Error(`listen URL "${raw}": only http is supported`);
  return u;
}
