// Shared figures for the benchmarks: percentiles over latency samples and a markdown table printer.

/** percentile returns the p-th percentile (0-100) of numeric samples (nearest-rank). */
export function percentile(samples, p) {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** runConcurrent runs `count` calls of fn over `clients` concurrent loops; returns per-call latencies (ms) and the rate. */
export async function runConcurrent({ clients, count, fn }) {
  const latencies = [];
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const t0 = performance.now();
        await fn(i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { latencies, perSecond: count / seconds, seconds };
}

/** table renders rows (arrays) under a header as a markdown table. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const ms = (v) => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');
