/**
 * ClusterRecords is what the DNS zone reads: Services, their EndpointSlices and Namespaces. The
 * informer-backed implementation keeps one list+watch per resource; tests use a fixed one.
 */
import type { Namespace, Service } from 'kubernetes-types/core/v1.js';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { resources, SharedInformerFactory, type RestClient, type SharedInformer } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';

/** The label that ties an EndpointSlice to its Service. */
export const serviceNameLabel = 'kubernetes.io/service-name';

/** Read access to the cluster objects DNS answers from. */
export interface ClusterRecords {
  service(namespace: string, name: string): Service | undefined;
  /** The EndpointSlices of a Service. */
  endpointSlices(namespace: string, name: string): EndpointSlice[];
  namespaceExists(namespace: string): boolean;
  /** Services whose ClusterIP is ip. */
  servicesByClusterIP(ip: string): Service[];
  /** Every EndpointSlice (for reverse lookups of endpoint addresses). */
  allEndpointSlices(): EndpointSlice[];
  /** SOA serial: the Unix time of the last change seen. */
  serial(): number;
}

const byService = 'service';
const byClusterIP = 'clusterIP';

/** InformerRecords serves {@link ClusterRecords} from shared informers. */
export class InformerRecords implements ClusterRecords {
  private readonly factory: SharedInformerFactory;
  private readonly services: SharedInformer<Service>;
  private readonly slices: SharedInformer<EndpointSlice>;
  private readonly namespaces: SharedInformer<Namespace>;
  private lastModified = Math.floor(Date.now() / 1000);

  constructor(rest: RestClient, log: Logger) {
    this.factory = new SharedInformerFactory(rest, log);
    this.services = this.factory.informerFor<Service>(resources.services, {
      indexers: { [byClusterIP]: (s) => (s.spec?.clusterIP && s.spec.clusterIP !== 'None' ? [s.spec.clusterIP] : []) },
    });
    this.slices = this.factory.informerFor<EndpointSlice>(resources.endpointslices, {
      indexers: {
        [byService]: (s) => {
          const svc = s.metadata?.labels?.[serviceNameLabel];
          return svc ? [`${s.metadata?.namespace ?? ''}/${svc}`] : [];
        },
      },
    });
    this.namespaces = this.factory.informerFor<Namespace>(resources.namespaces);
    const touch = (): void => {
      this.lastModified = Math.floor(Date.now() / 1000);
    };
    for (const inf of [this.services, this.slices, this.namespaces] as SharedInformer<Service | EndpointSlice | Namespace>[]) {
      inf.addEventHandler({ onAdd: touch, onUpdate: touch, onDelete: touch });
    }
  }

  /** start runs the informers until signal aborts and resolves once their caches are filled. */
  async start(signal: AbortSignal): Promise<void> {
    this.factory.start(signal);
    await this.factory.waitForCacheSync(signal);
  }

  hasSynced(): boolean {
    return this.services.hasSynced() && this.slices.hasSynced() && this.namespaces.hasSynced();
  }

  service(namespace: string, name: string): Service | undefined {
    return this.services.store.getByName(namespace, name);
  }

  endpointSlices(namespace: string, name: string): EndpointSlice[] {
    return this.slices.store.byIndex(byService, `${namespace}/${name}`);
  }

  namespaceExists(namespace: string): boolean {
    return this.namespaces.store.getByName('', namespace) !== undefined;
  }

  servicesByClusterIP(ip: string): Service[] {
    return this.services.store.byIndex(byClusterIP, ip);
  }

  allEndpointSlices(): EndpointSlice[] {
    return this.slices.store.list();
  }

  serial(): number {
    return this.lastModified;
  }
}
