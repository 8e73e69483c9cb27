/**
 * Request metrics in the Prometheus text exposition format, named as upstream's
 * (`apiserver_request_total`, `apiserver_request_duration_seconds`). Recording is a map update and a
 * bucket scan; rendering happens only when `/metrics` is scraped.
 */

const durationBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

/** RequestMetrics accumulates counts by verb/resource/code and latency by verb/resource. */
export class RequestMetrics {
  private readonly totals = new Map<string, number>();
  private readonly durations = new Map<string, Histogram>();
  private readonly inflight = new Map<string, number>();

  /** observe records one finished request. `resource` is '' for non-resource paths. */
  observe(verb: string, resource: string, code: number, seconds: number): void {
    const key = `${verb}\u0000${resource}\u0000${code}`;
    this.totals.set(key, (this.totals.get(key) ?? 0) + 1);
    if (verb === 'watch') return;
    const hkey = `${verb}\u0000${resource}`;
    let h = this.durations.get(hkey);
    if (!h) {
      h = { counts: new Array<number>(durationBuckets.length).fill(0), sum: 0, count: 0 };
      this.durations.set(hkey, h);
    }
    for (let i = 0; i < durationBuckets.length; i++) if (seconds <= (durationBuckets[i] ?? 0)) h.counts[i] = (h.counts[i] ?? 0) + 1;
    h.sum += seconds;
    h.count++;
  }

  /** watchStarted / watchEnded track long-running requests (`apiserver_longrunning_requests`). */
  watchStarted(resource: string): void {
    this.inflight.set(resource, (this.inflight.get(resource) ?? 0) + 1);
  }

  watchEnded(resource: string): void {
    this.inflight.set(resource, Math.max(0, (this.inflight.get(resource) ?? 0) - 1));
  }

  /** render returns the exposition text. */
  render(): string {
    const out: string[] = [
      '# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, resource and HTTP response code.',
      '# TYPE apiserver_request_total counter',
    ];
    for (const [key, n] of this.totals) {
      const [verb, resource, code] = key.split('\u0000');
      out.push(`apiserver_request_total{code="${code}",resource="${resource}",verb="${verb}"} ${n}`);
    }
    out.push(
      '# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb and resource.',
      '# TYPE apiserver_request_duration_seconds histogram',
    );
    for (const [key, h] of this.durations) {
      const [verb, resource] = key.split('\u0000');
      const labels = `resource="${resource}",verb="${verb}"`;
      durationBuckets.forEach((b, i) => out.push(`apiserver_request_duration_seconds_bucket{${labels},le="${b}"} ${h.counts[i] ?? 0}`));
      out.push(`apiserver_request_duration_seconds_bucket{${labels},le="+Inf"} ${h.count}`);
      out.push(`apiserver_request_duration_seconds_sum{${labels}} ${h.sum}`);
      out.push(`apiserver_request_duration_seconds_count{${labels}} ${h.count}`);
    }
    out.push('# HELP apiserver_longrunning_requests Gauge of all active long-running apiserver requests.', '# TYPE apiserver_longrunning_requests gauge');
    for (const [resource, n] of this.inflight) out.push(`apiserver_longrunning_requests{resource="${resource}",verb="WATCH"} ${n}`);
    return out.join('\n') + '\n';
  }
}
