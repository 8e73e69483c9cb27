/** Reading the Prometheus text exposition a component's `/metrics` returned. */

/** metricValue sums every sample of a metric whose label text includes all of `labels` (`a="b"` strings); undefined when none. */
export function metricValue(text: string, metric: string, ...labels: string[]): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{.*\})? (\S+)$/.exec(line);
    if (!m || m[1] !== metric || !labels.every((l) => (m[2] ?? '').includes(l))) continue;
    sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}
