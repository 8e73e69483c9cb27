/** The etcd v3 JSON-gateway client: works against nanokube's store and a real etcd 3.4. */
export { EtcdClient, type EtcdClientOptions } from './client.js';
export { WatchStream, Watcher, type WatchStreamOptions } from './watch.js';
export {
  EtcdError,
  GrpcCode,
  errCompacted,
  errFutureRevision,
  errLeaseNotFound,
  isCompacted,
  isEtcdError,
  isFutureRevision,
  isLeaseNotFound,
  isUnavailable,
} from './errors.js';
export { prefixEnd } from './codec.js';
export type * from './types.js';
