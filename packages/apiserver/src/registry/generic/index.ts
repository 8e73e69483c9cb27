/**
 * The generic registry: storage of every resource over the store, the watch cache, and the API
 * machinery (metadata, optimistic concurrency, patches, server-side apply, graceful deletion,
 * finalizers, admission hooks, allocators, bootstrap). createRegistry is the entry point the
 * apiserver verb calls.
 */
import type { Logger } from '@nanokube/component-base';
import { EtcdClient } from '@nanokube/store';
import { ClusterIPAllocator, formatIPv4, NodePortAllocator, parseCIDR, serviceHooks } from '../allocators/index.js';
import { bootstrapCluster } from '../bootstrap/index.js';
import type { Registry, ResourceDefinition } from '../types.js';
import type { ResourceHooks } from './admission.js';
import { Cacher } from './cacher.js';
import { startCompactor } from './compactor.js';
import type { RegistryCore } from './core.js';
import { etcdStorage } from './etcd-storage.js';
import { computeResourcePrefixes, resourceId } from './keys.js';
import { GenericRegistry } from './registry.js';
import type { Storage } from './storage.js';

export type { ResourceHooks, Undo } from './admission.js';
export { serializeObject } from './objects.js';
export { omitEmpty, omitEmptyInPlace } from './omit-empty.js';
export type { Storage } from './storage.js';
export { watchTuning } from './watch.js';

/** Options of createRegistry. */
export interface CreateRegistryOptions {
  /**
   * Store endpoints (`http://127.0.0.1:2379`; the first one is used), an EtcdClient (closed with the
   * registry), or a ready Storage (tests, other backends).
   */
  etcdServers: string[] | EtcdClient | Storage;
  resources: ResourceDefinition[];
  logger: Logger;
  /** Default 10.96.0.0/12. */
  serviceClusterIPRange?: string;
  /** Default 30000-32767. */
  serviceNodePortRange?: string;
  /** Address of this apiserver in the `kubernetes` Endpoints/EndpointSlice (none: not written). */
  advertiseAddress?: string;
  /** Default 6443. */
  securePort?: number;
  /** Key prefix, default `/registry`. */
  prefix?: string;
  /** Store compaction interval; default 5 minutes, 0 disables. */
  compactionIntervalMs?: number;
  /** Events kept per resource for watches from a resourceVersion; default 8192. */
  watchCacheCapacity?: number;
  /** Skip the bootstrap objects (namespaces, kubernetes Service); default false. */
  skipBootstrap?: boolean;
}

/** A Registry with its lifecycle. */
export interface ManagedRegistry extends Registry {
  /** True once the watch cache is loaded and the bootstrap objects exist. */
  ready(): boolean;
  /** Resolves when ready() becomes true. */
  whenReady(): Promise<void>;
  close(): Promise<void>;
}

function toStorage(v: string[] | EtcdClient | Storage): Storage {
  if (v instanceof EtcdClient) return etcdStorage(v);
  if (!Array.isArray(v)) return v;
  const endpoint = v[0];
  if (!endpoint) throw new Error('createRegistry: no store endpoint given');
  return etcdStorage(new EtcdClient({ endpoint, connections: 32 }));
}

/**
 * createRegistry connects to the store, starts the watch cache (loading in the background, retrying
 * until the store answers), runs the bootstrap and the compactor, and returns the Registry. Requests
 * made before the cache is loaded wait for it (up to 10 s, then 503).
 */
export async function createRegistry(opts: CreateRegistryOptions): Promise<ManagedRegistry> {
  const logger = opts.logger.child({ subsystem: 'registry' });
  const storage = toStorage(opts.etcdServers);
  const prefix = `${(opts.prefix ?? '/registry').replace(/\/+$/, '')}/`;
  const prefixes = computeResourcePrefixes(opts.resources, prefix);
  const cacher = new Cacher({ storage, prefix, resourcePrefixes: [...prefixes.values()], logger, ...(opts.watchCacheCapacity ? { ringCapacity: opts.watchCacheCapacity } : {}) });
  const cidr = opts.serviceClusterIPRange ?? '10.96.0.0/12';
  const ips = new ClusterIPAllocator(storage, cidr, `${prefix}ranges/serviceips`);
  const ports = new NodePortAllocator(storage, opts.serviceNodePortRange ?? '30000-32767', `${prefix}ranges/servicenodeports`);
  const hooks = new Map<string, ResourceHooks[]>([[resourceId({ group: '', resource: 'services' }), [serviceHooks(ips, ports)]]]);
  const core: RegistryCore = {
    storage,
    cacher,
    logger,
    prefixes,
    hooks,
    namespacesDef: opts.resources.find((d) => d.group === '' && d.resource === 'namespaces'),
    namespaceMarks: { revision: 0 },
  };
  const registry = new GenericRegistry(core, opts.resources);
  let isReady = false;
  let closed = false;
  const stopCompactor = opts.compactionIntervalMs === 0 ? () => {} : startCompactor(storage, opts.compactionIntervalMs ?? 5 * 60_000, logger);
  const readyPromise = (async () => {
    await cacher.start();
    if (!opts.skipBootstrap) {
      const serviceIP = formatIPv4(parseCIDR(cidr).base + 1);
      for (let attempt = 0; !closed; attempt++) {
        try {
          await bootstrapCluster(registry, { serviceIP, logger, ...pick(opts) });
          break;
        } catch (err) {
          logger.warn({ err, attempt }, 'Could not create the bootstrap objects, retrying');
          await new Promise((r) => setTimeout(r, Math.min(200 * 2 ** attempt, 5000)).unref());
        }
      }
    }
    isReady = !closed;
    if (isReady) logger.info({ revision: cacher.revision, resources: opts.resources.length }, 'Registry ready');
  })();
  return Object.assign(registry, {
    ready: () => isReady && cacher.ready,
    whenReady: () => readyPromise,
    close: async () => {
      closed = true;
      stopCompactor();
      await cacher.close();
      await storage.close();
    },
  });
}

function pick(opts: CreateRegistryOptions): { advertiseAddress?: string; securePort?: number } {
  return {
    ...(opts.advertiseAddress ? { advertiseAddress: opts.advertiseAddress } : {}),
    ...(opts.securePort ? { securePort: opts.securePort } : {}),
  };
}
