/**
 * PodSources is how the kubelet reads the API objects a pod references (ConfigMaps, Secrets, PVCs, PVs,
 * Services for the service-link variables) and asks for service-account tokens. The node authorizer only
 * lets `system:node:<name>` GET objects its pods reference, so everything is read by name; services are
 * listed per namespace as upstream's kubelet does (its service informer).
 */
import type { ConfigMap, PersistentVolume, PersistentVolumeClaim, Secret, Service } from 'kubernetes-types/core/v1.js';
import { isNotFound } from '@nanokube/api';
import { resources, ResourceClient, type RestClient } from '@nanokube/client';

/** What the kubelet asks of a TokenRequest for a projected serviceAccountToken. */
export interface TokenRequestSpec {
  audiences: string[];
  expirationSeconds: number;
  /** The pod the token is bound to. */
  boundPod: { name: string; uid: string };
}

/** A token as TokenRequest returns it. */
export interface IssuedToken {
  token: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** PodSources reads referenced objects; `undefined` means NotFound (other errors throw). */
export interface PodSources {
  configMap(namespace: string, name: string): Promise<ConfigMap | undefined>;
  secret(namespace: string, name: string): Promise<Secret | undefined>;
  services(namespace: string): Promise<Service[]>;
  persistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined>;
  persistentVolume(name: string): Promise<PersistentVolume | undefined>;
  serviceAccountToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<IssuedToken>;
}

async function orUndefined<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** ApiPodSources reads through the kubelet's RestClient; service lists are cached for `serviceTtlMs`. */
export class ApiPodSources implements PodSources {
  private readonly serviceCache = new Map<string, { at: number; items: Promise<Service[]> }>();

  constructor(
    private readonly rest: RestClient,
    private readonly now: () => number = Date.now,
    private readonly serviceTtlMs = 5_000,
  ) {}

  configMap(namespace: string, name: string): Promise<ConfigMap | undefined> {
    return orUndefined(new ResourceClient<ConfigMap>(this.rest, resources.configmaps, namespace).get(name));
  }

  secret(namespace: string, name: string): Promise<Secret | undefined> {
    return orUndefined(new ResourceClient<Secret>(this.rest, resources.secrets, namespace).get(name));
  }

  services(namespace: string): Promise<Service[]> {
    const hit = this.serviceCache.get(namespace);
    if (hit && this.now() - hit.at < this.serviceTtlMs) return hit.items;
    const items = new ResourceClient<Service>(this.rest, resources.services, namespace).list().then((l) => l.items);
    this.serviceCache.set(namespace, { at: this.now(), items });
    items.catch(() => this.serviceCache.delete(namespace));
    return items;
  }

  persistentVolumeClaim(namespace: string, name: string): Promise<PersistentVolumeClaim | undefined> {
    return orUndefined(new ResourceClient<PersistentVolumeClaim>(this.rest, resources.persistentvolumeclaims, namespace).get(name));
  }

  persistentVolume(name: string): Promise<PersistentVolume | undefined> {
    return orUndefined(new ResourceClient<PersistentVolume>(this.rest, resources.persistentvolumes).get(name));
  }

  async serviceAccountToken(namespace: string, serviceAccount: string, spec: TokenRequestSpec): Promise<IssuedToken> {
    const res = await this.rest.request<{ status?: { token?: string; expirationTimestamp?: string } }>({
      method: 'POST',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: {
          audiences: spec.audiences,
          expirationSeconds: spec.expirationSeconds,
          boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: spec.boundPod.name, uid: spec.boundPod.uid },
        },
      },
    });
    const token = res.status?.token ?? '';
    const expiresAt = Date.parse(res.status?.expirationTimestamp ?? '') || this.now() + spec.expirationSeconds * 1000;
    return { token, expiresAt };
  }
}
