/**
 * kube-proxy's health server (HTTP, default 0.0.0.0:10256): `/healthz` and `/livez` answer JSON with
 * `lastUpdated` and `currentTime`, 200 while no queued change has waited longer than the health
 * timeout for a successful sync, 503 otherwise — upstream's proxierHealthServer.
 */
import { createServer, type Server } from 'node:http';

/** formatGoTime renders a time as Go's time.Time String() does (UTC): `2006-01-02 15:04:05.999999999 +0000 UTC`. */
export function formatGoTime(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2006-01-02T15:04:05.123Z
  const frac = iso.slice(20, 23).replace(/0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac ? `.${frac}` : ''} +0000 UTC`;
}

/** ProxierHealth tracks queued and applied updates, as upstream's ProxierHealthUpdater. */
export class ProxierHealth {
  private lastUpdated = 0;
  private oldestPendingQueued = 0;

  /** @param healthTimeoutMs how long a queued change may wait for a sync (upstream: 2 x sync period). */
  constructor(
    private readonly healthTimeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** queuedUpdate records that a change arrived which the rules do not reflect yet. */
  queuedUpdate(): void {
    if (this.oldestPendingQueued === 0) this.oldestPendingQueued = this.now();
  }

  /** updated records a successful sync. */
  updated(): void {
    this.oldestPendingQueued = 0;
    this.lastUpdated = this.now();
  }

  /** status reports health and the times the endpoints print. */
  status(): { healthy: boolean; lastUpdated: number; currentTime: number } {
    const currentTime = this.now();
    const healthy = this.oldestPendingQueued === 0 || currentTime - this.oldestPendingQueued < this.healthTimeoutMs;
    // As upstream: a healthy proxy reports lastUpdated as now, for compatibility with old releases.
    return { healthy, lastUpdated: healthy ? currentTime : this.lastUpdated, currentTime };
  }
}

/** startHealthServer serves /healthz and /livez for health on host:port; resolves once listening. */
export async function startHealthServer(health: ProxierHealth, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/healthz' && path !== '/livez') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    const s = health.status();
    const times = `{"lastUpdated": ${JSON.stringify(s.lastUpdated ? formatGoTime(s.lastUpdated) : '0001-01-01 00:00:00 +0000 UTC')},"currentTime": ${JSON.stringify(formatGoTime(s.currentTime))}`;
    const body = path === '/healthz' ? `${times}, "nodeEligible": true}` : `${times}}`;
    res.writeHead(s.healthy ? 200 : 503, { 'content-type': 'application/json', 'x-content-type-options': 'nosniff' }).end(body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
