/** Go time.Duration strings (`24h`, `1h30m`, `90s`, `0`), as kubeadm's `--ttl` takes them. */

const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** parseGoDuration returns milliseconds; throws on malformed input. */
export function parseGoDuration(s: string): number {
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * (units[m[2] ?? ''] ?? 0);
    pos = re.lastIndex;
  }
  if (pos === 0 || pos !== s.length) throw new Error(`time: invalid duration "${s}"`);
  return total;
}

/** formatGoDuration renders milliseconds as Go prints durations (`24h0m0s`). */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s';
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
