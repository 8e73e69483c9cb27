/**
 * The store's Prometheus metrics at `/metrics`, named as etcd's: database size
 * (`etcd_mvcc_db_total_size_in_bytes`), current and compacted revisions
 * (`etcd_debugging_mvcc_current_revision`, `etcd_debugging_mvcc_compact_revision`), backend commit
 * latency (`etcd_disk_backend_commit_duration_seconds`, one observation per group-commit round) and the
 * requests committed (`etcd_server_proposals_committed_total`), plus the process collectors.
 */
import { Counter, createMetricsRegistry, Gauge, Histogram, type MetricsRegistry } from '@nanokube/component-base';
import type { StoreEngine } from './engine.js';

/** storeMetrics builds the registry of one engine and hooks its commit observer. */
export function storeMetrics(engine: StoreEngine): MetricsRegistry {
  const registry = createMetricsRegistry();
  new Gauge({
    name: 'etcd_mvcc_db_total_size_in_bytes',
    help: 'Total size of the underlying database physically allocated in bytes.',
    registers: [registry],
    async collect() {
      this.set(await engine.dbSize());
    },
  });
  new Gauge({
    name: 'etcd_debugging_mvcc_current_revision',
    help: 'The current revision of store.',
    registers: [registry],
    collect() {
      this.set(engine.revision);
    },
  });
  new Gauge({
    name: 'etcd_debugging_mvcc_compact_revision',
    help: 'The revision of the last compaction in store.',
    registers: [registry],
    collect() {
      this.set(engine.compactRevision);
    },
  });
  const commit = new Histogram({
    name: 'etcd_disk_backend_commit_duration_seconds',
    help: 'The latency distributions of commit called by backend.',
    buckets: [0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024, 2.048, 4.096, 8.192],
    registers: [registry],
  });
  const committed = new Counter({ name: 'etcd_server_proposals_committed_total', help: 'The total number of consensus proposals committed.', registers: [registry] });
  engine.onCommit((seconds, jobs) => {
    commit.observe(seconds);
    committed.inc(jobs);
  });
  return registry;
}
