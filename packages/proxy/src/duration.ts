/** parseDuration parses a Go-style duration flag (`1s`, `500ms`, `1m30s`, `1h`) into milliseconds. */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (units[m[2] as string] ?? 0);
    matched = re.lastIndex;
  }
  if (text === '0') return 0;
  if (matched !== text.length || text.length === 0) throw new Error(`invalid duration "${text}"`);
  return total;
}
