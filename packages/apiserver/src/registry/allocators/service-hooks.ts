/**
 * serviceHooks wire the ClusterIP and NodePort allocators into Service writes (upstream's service
 * REST beginCreate/beginUpdate): allocate after validation, fill `clusterIP`, `clusterIPs`,
 * `ipFamilies: [IPv4]`, `ipFamilyPolicy: SingleStack` and `nodePort`s, release on delete, and on
 * update keep what the old object held when the new one leaves it empty. Headless services
 * (`clusterIP: None`) and ExternalName services get no address.
 */
import { invalid, newInternalError, newInvalid } from '@nanokube/api';
import type { ResourceHooks, Undo } from '../generic/admission.js';
import type { KubeObject, RequestContext } from '../types.js';
import { AllocationError, type ClusterIPAllocator } from './cluster-ip.js';
import type { NodePortAllocator } from './node-port.js';

interface ServicePort {
  port?: number;
  protocol?: string;
  nodePort?: number;
  [k: string]: unknown;
}

interface ServiceSpec {
  type?: string;
  clusterIP?: string;
  clusterIPs?: string[];
  ipFamilies?: string[];
  ipFamilyPolicy?: string;
  ports?: ServicePort[];
  allocateLoadBalancerNodePorts?: boolean;
  externalTrafficPolicy?: string;
  healthCheckNodePort?: number;
  [k: string]: unknown;
}

function specOf(obj: KubeObject): ServiceSpec {
  if (typeof obj['spec'] !== 'object' || obj['spec'] === null) obj['spec'] = {};
  return obj['spec'] as ServiceSpec;
}

function readSpec(obj: KubeObject): ServiceSpec {
  return (obj['spec'] ?? {}) as ServiceSpec;
}

function wantsClusterIP(spec: ServiceSpec): boolean {
  return (spec.type ?? 'ClusterIP') !== 'ExternalName';
}

function wantsNodePorts(spec: ServiceSpec): boolean {
  return spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
}

function wantsHealthCheckPort(spec: ServiceSpec): boolean {
  return spec.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

function heldIP(spec: ServiceSpec): string | undefined {
  const ip = spec.clusterIP ?? spec.clusterIPs?.[0];
  return ip && ip !== 'None' ? ip : undefined;
}

function heldPorts(spec: ServiceSpec): number[] {
  const ports = (spec.ports ?? []).map((p) => p.nodePort).filter((p): p is number => typeof p === 'number' && p > 0);
  if (spec.healthCheckNodePort) ports.push(spec.healthCheckNodePort);
  return [...new Set(ports)];
}

function toStatusError(obj: KubeObject, field: string, value: unknown, err: unknown): Error {
  if (!(err instanceof AllocationError)) return err instanceof Error ? err : new Error(String(err));
  if (err.kind === 'full') return newInternalError(new Error(`failed to allocate a ${field.includes('nodePort') ? 'nodePort' : 'serviceIP'}: range is full`));
  const detail = field === 'spec.clusterIPs' ? `failed to allocate IP ${String((value as string[])[0])}: ${err.message}` : err.message;
  return newInvalid({ group: '', kind: 'Service' }, obj.metadata.name ?? '', [invalid(field, value as number, detail)]);
}

function setIPFields(spec: ServiceSpec, ip: string): void {
  spec.clusterIP = ip;
  spec.clusterIPs = [ip];
  spec.ipFamilies = ['IPv4'];
  spec.ipFamilyPolicy = 'SingleStack';
}

/** serviceHooks returns the admission hooks of core/v1 services. */
export function serviceHooks(ips: ClusterIPAllocator, ports: NodePortAllocator): ResourceHooks {
  const allocateIP = async (ctx: RequestContext, obj: KubeObject, spec: ServiceSpec): Promise<Undo | undefined> => {
    const want = spec.clusterIP ?? spec.clusterIPs?.[0];
    if (want === 'None') {
      spec.clusterIP = 'None';
      spec.clusterIPs = ['None'];
      spec.ipFamilies = ['IPv4'];
      spec.ipFamilyPolicy = 'SingleStack';
      return undefined;
    }
    let ip: string;
    try {
      ip = await ips.allocate(want || undefined, ctx.dryRun);
    } catch (err) {
      throw toStatusError(obj, 'spec.clusterIPs', [want], err);
    }
    setIPFields(spec, ip);
    return ctx.dryRun ? undefined : () => ips.release(ip);
  };

  /** allocateNodePorts fills missing nodePorts; `keep` maps `port/protocol` to a port already held. */
  const allocateNodePorts = async (ctx: RequestContext, obj: KubeObject, spec: ServiceSpec, held: Set<number>): Promise<Undo | undefined> => {
    const list = spec.ports ?? [];
    const requests: { index: number; field: string; want: number | undefined }[] = [];
    const seen = new Map<number, number>();
    list.forEach((p, i) => {
      if (p.nodePort && (held.has(p.nodePort) || seen.has(p.nodePort))) return;
      requests.push({ index: i, field: `spec.ports[${i}].nodePort`, want: p.nodePort || undefined });
      if (p.nodePort) seen.set(p.nodePort, i);
    });
    if (wantsHealthCheckPort(spec) && !(spec.healthCheckNodePort && held.has(spec.healthCheckNodePort))) {
      requests.push({ index: -1, field: 'spec.healthCheckNodePort', want: spec.healthCheckNodePort || undefined });
    }
    if (requests.length === 0) return undefined;
    let got: number[];
    try {
      got = await ports.allocate(requests.map((r) => r.want), ctx.dryRun);
    } catch (err) {
      const r = requests[(err as { index?: number }).index ?? 0];
      throw toStatusError(obj, r?.field ?? 'spec.ports', r?.want ?? 0, err);
    }
    requests.forEach((r, k) => {
      if (r.index < 0) spec.healthCheckNodePort = got[k] as number;
      else (list[r.index] as ServicePort).nodePort = got[k] as number;
    });
    return ctx.dryRun ? undefined : () => ports.release(got);
  };

  return {
    async beforeCreate(ctx, obj) {
      const spec = specOf(obj);
      const undos: Undo[] = [];
      try {
        if (wantsClusterIP(spec)) {
          const u = await allocateIP(ctx, obj, spec);
          if (u) undos.push(u);
        }
        if (wantsNodePorts(spec) || wantsHealthCheckPort(spec)) {
          const u = await allocateNodePorts(ctx, obj, spec, new Set());
          if (u) undos.push(u);
        }
      } catch (err) {
        for (const u of undos.reverse()) await u();
        throw err;
      }
      return async () => {
        for (const u of undos.reverse()) await u();
      };
    },

    async beforeUpdate(ctx, obj, old) {
      const spec = specOf(obj);
      const oldSpec = readSpec(old);
      const undos: Undo[] = [];
      if (wantsClusterIP(spec)) {
        const oldIP = oldSpec.clusterIP ?? oldSpec.clusterIPs?.[0];
        if (!spec.clusterIP && !spec.clusterIPs?.length && oldIP && wantsClusterIP(oldSpec)) {
          spec.clusterIP = oldIP;
          spec.clusterIPs = oldSpec.clusterIPs ?? [oldIP];
        }
        if (spec.clusterIP && spec.clusterIP === oldIP) {
          spec.clusterIPs ??= [spec.clusterIP];
          spec.ipFamilies ??= oldSpec.ipFamilies ?? ['IPv4'];
          spec.ipFamilyPolicy ??= oldSpec.ipFamilyPolicy ?? 'SingleStack';
        } else {
          const u = await allocateIP(ctx, obj, spec);
          if (u) undos.push(u);
        }
      } else {
        delete spec.clusterIP;
        delete spec.clusterIPs;
      }
      if (wantsNodePorts(spec) || wantsHealthCheckPort(spec)) {
        const oldPorts = oldSpec.ports ?? [];
        for (const p of spec.ports ?? []) {
          if (p.nodePort) continue;
          const prev = oldPorts.find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
          if (prev?.nodePort) p.nodePort = prev.nodePort;
        }
        if (wantsHealthCheckPort(spec) && !spec.healthCheckNodePort && oldSpec.healthCheckNodePort) {
          spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
        }
        try {
          const u = await allocateNodePorts(ctx, obj, spec, new Set(wantsNodePorts(oldSpec) || wantsHealthCheckPort(oldSpec) ? heldPorts(oldSpec) : []));
          if (u) undos.push(u);
        } catch (err) {
          for (const u of undos.reverse()) await u();
          throw err;
        }
      } else {
        for (const p of spec.ports ?? []) delete p.nodePort;
        delete spec.healthCheckNodePort;
      }
      return async () => {
        for (const u of undos.reverse()) await u();
      };
    },

    async afterUpdate(ctx, obj, old) {
      if (ctx.dryRun) return;
      const spec = readSpec(obj);
      const oldSpec = readSpec(old);
      const oldIP = heldIP(oldSpec);
      if (oldIP && oldIP !== heldIP(spec)) await ips.release(oldIP);
      const still = new Set(heldPorts(spec));
      const gone = heldPorts(oldSpec).filter((p) => !still.has(p));
      if (gone.length > 0) await ports.release(gone);
    },

    async afterDelete(ctx, obj) {
      if (ctx.dryRun) return;
      const spec = readSpec(obj);
      const ip = heldIP(spec);
      if (ip) await ips.release(ip);
      const held = heldPorts(spec);
      if (held.length > 0) await ports.release(held);
    },
  };
}
