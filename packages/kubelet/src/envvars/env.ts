/**
 * makeEnvironment computes a container's environment as upstream's kubelet makeEnvironmentVariables does:
 * `envFrom` sources first (ConfigMap/Secret keys with an optional prefix), then `env` in order (literal
 * values with `$(VAR)` expanded against the variables declared so far and the service variables,
 * `configMapKeyRef`, `secretKeyRef`, `fieldRef`, `resourceFieldRef`), then the docker-links style service
 * variables not already defined.
 */
import type { ConfigMap, Container, Pod, Secret, Service } from 'kubernetes-types/core/v1.js';
import type { PodSources } from '../volumes/sources.js';
import { expand, lookupIn } from './expand.js';
import { FieldRefError, fieldRefValue, resourceFieldValue, type PodAddresses } from './fields.js';

/**
 * ContainerConfigError makes a container wait with reason `CreateContainerConfigError`; its message is
 * upstream's (`configmap "x" not found`, `couldn't find key k in ConfigMap ns/x`).
 */
export class ContainerConfigError extends Error {
  override readonly name = 'ContainerConfigError';
  readonly reason = 'CreateContainerConfigError';
}

/** What {@link makeEnvironment} needs besides the container. */
export interface EnvContext {
  pod: Pod;
  sources: PodSources;
  addresses: PodAddresses;
  /** Node allocatable (cpu, memory, ephemeral-storage) for limits a container does not set. */
  nodeAllocatable: Record<string, string>;
  /** Called with upstream's `InvalidEnvironmentVariableNames` event message when envFrom keys are skipped. */
  warn?(reason: string, message: string): void;
}

/** An environment variable as the runtime receives it. */
export interface EnvVarValue {
  name: string;
  value: string;
}

/** isValidEnvVarName is upstream's relaxed rule: printable ASCII without '='. */
export function isValidEnvVarName(name: string): boolean {
  return name.length > 0 && /^[\x20-\x7e]+$/.test(name) && !name.includes('=');
}

function decode(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf8');
}

function secretData(secret: Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(secret.data ?? {})) out[k] = decode(v);
  for (const [k, v] of Object.entries(secret.stringData ?? {})) out[k] = v;
  return out;
}

/** serviceEnvName turns a service name into the variable prefix (`my-svc` → `MY_SVC`). */
export function serviceEnvName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/** serviceEnv renders the docker-links style variables of services (sorted by name by the caller). */
export function serviceEnv(services: Service[]): EnvVarValue[] {
  const out: EnvVarValue[] = [];
  for (const svc of services) {
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === 'None') continue;
    const ports = svc.spec?.ports ?? [];
    const prefix = serviceEnvName(svc.metadata?.name ?? '');
    out.push({ name: `${prefix}_SERVICE_HOST`, value: ip });
    const first = ports[0];
    if (first) out.push({ name: `${prefix}_SERVICE_PORT`, value: String(first.port) });
    for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${serviceEnvName(p.name)}`, value: String(p.port) });
    if (first) out.push({ name: `${prefix}_PORT`, value: `${(first.protocol ?? 'TCP').toLowerCase()}://${urlHost(ip)}:${first.port}` });
    for (const p of ports) {
      const proto = p.protocol ?? 'TCP';
      const base = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push({ name: base, value: `${proto.toLowerCase()}://${urlHost(ip)}:${p.port}` });
      out.push({ name: `${base}_PROTO`, value: proto.toLowerCase() });
      out.push({ name: `${base}_PORT`, value: String(p.port) });
      out.push({ name: `${base}_ADDR`, value: ip });
    }
  }
  return out;
}

function urlHost(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** podServices picks the services whose variables a pod gets: `kubernetes` in default always, its own namespace's with enableServiceLinks. */
export async function podServices(pod: Pod, sources: PodSources): Promise<Service[]> {
  const ns = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false;
  const byName = new Map<string, Service>();
  if (links) for (const s of await sources.services(ns)) byName.set(s.metadata?.name ?? '', s);
  if (ns !== 'default' || !links) {
    const master = (await sources.services('default')).find((s) => s.metadata?.name === 'kubernetes');
    if (master && !byName.has('kubernetes')) byName.set('kubernetes', master);
  }
  return [...byName.values()].sort((a, b) => ((a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1));
}

/** makeEnvironment resolves the environment of one container; throws {@link ContainerConfigError}. */
export async function makeEnvironment(container: Container, ctx: EnvContext): Promise<EnvVarValue[]> {
  const ns = ctx.pod.metadata?.namespace ?? 'default';
  const configMaps = new Map<string, ConfigMap>();
  const secrets = new Map<string, Secret>();
  const getConfigMap = async (name: string, optional: boolean): Promise<ConfigMap | undefined> => {
    const cached = configMaps.get(name);
    if (cached) return cached;
    const cm = await ctx.sources.configMap(ns, name);
    if (!cm) {
      if (optional) return undefined;
      throw new ContainerConfigError(`configmap "${name}" not found`);
    }
    configMaps.set(name, cm);
    return cm;
  };
  const getSecret = async (name: string, optional: boolean): Promise<Secret | undefined> => {
    const cached = secrets.get(name);
    if (cached) return cached;
    const s = await ctx.sources.secret(ns, name);
    if (!s) {
      if (optional) return undefined;
      throw new ContainerConfigError(`secret "${name}" not found`);
    }
    secrets.set(name, s);
    return s;
  };

  const svcEnv = new Map(serviceEnv(await podServices(ctx.pod, ctx.sources)).map((e) => [e.name, e.value]));
  const declared = new Map<string, string>();

  for (const from of container.envFrom ?? []) {
    const prefix = from.prefix ?? '';
    let data: Record<string, string> = {};
    let kind = '';
    let name = '';
    if (from.configMapRef) {
      name = from.configMapRef.name ?? '';
      kind = 'configMap';
      data = (await getConfigMap(name, from.configMapRef.optional === true))?.data ?? {};
    } else if (from.secretRef) {
      name = from.secretRef.name ?? '';
      kind = 'secret';
      const s = await getSecret(name, from.secretRef.optional === true);
      data = s ? secretData(s) : {};
    }
    const invalid: string[] = [];
    for (const [k, v] of Object.entries(data)) {
      const key = prefix + k;
      if (!isValidEnvVarName(key)) {
        invalid.push(key);
        continue;
      }
      declared.set(key, v);
    }
    if (invalid.length) {
      invalid.sort();
      ctx.warn?.('InvalidEnvironmentVariableNames', `Keys [${invalid.join(', ')}] from the EnvFrom ${kind} ${ns}/${name} were skipped since they are considered invalid environment variable names.`);
    }
  }

  const lookup = lookupIn(declared, svcEnv);
  for (const v of container.env ?? []) {
    const src = v.valueFrom;
    let value: string | undefined;
    if (!src) {
      value = expand(v.value ?? '', lookup);
    } else if (src.fieldRef) {
      value = guarded(() => fieldRefValue(ctx.pod, src.fieldRef?.fieldPath ?? '', ctx.addresses));
    } else if (src.resourceFieldRef) {
      const ref = src.resourceFieldRef;
      const target = ref.containerName ? findContainer(ctx.pod, ref.containerName) : container;
      if (!target) throw new ContainerConfigError(`container ${ref.containerName ?? ''} not found`);
      value = guarded(() => resourceFieldValue(target, ref.resource, ref.divisor, ctx.nodeAllocatable));
    } else if (src.configMapKeyRef) {
      const ref = src.configMapKeyRef;
      const optional = ref.optional === true;
      const cm = await getConfigMap(ref.name ?? '', optional);
      if (!cm) continue;
      value = cm.data?.[ref.key];
      if (value === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in ConfigMap ${ns}/${ref.name ?? ''}`);
      }
    } else if (src.secretKeyRef) {
      const ref = src.secretKeyRef;
      const optional = ref.optional === true;
      const s = await getSecret(ref.name ?? '', optional);
      if (!s) continue;
      value = secretData(s)[ref.key];
      if (value === undefined) {
        if (optional) continue;
        throw new ContainerConfigError(`couldn't find key ${ref.key} in Secret ${ns}/${ref.name ?? ''}`);
      }
    }
    declared.delete(v.name);
    declared.set(v.name, value ?? '');
  }

  const out = [...declared].map(([name, value]) => ({ name, value }));
  for (const [name, value] of svcEnv) if (!declared.has(name)) out.push({ name, value });
  return out;
}

function guarded(f: () => string): string {
  try {
    return f();
  } catch (err) {
    if (err instanceof FieldRefError) throw new ContainerConfigError(err.message);
    throw err;
  }
}

function findContainer(pod: Pod, name: string): Container | undefined {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === name);
}

/**
 * expandCommand merges the spec's command/args with the image's entrypoint/cmd (upstream's rules: command
 * replaces the entrypoint and drops the image cmd unless args are given) and expands `$(VAR)` in both.
 */
export function expandCommand(container: Container, image: { entrypoint?: string[]; cmd?: string[] }, env: EnvVarValue[]): string[] {
  const lookup = lookupIn(new Map(env.map((e) => [e.name, e.value])));
  const entrypoint = container.command ? container.command.map((c) => expand(c, lookup)) : (image.entrypoint ?? []);
  const args = container.args ? container.args.map((a) => expand(a, lookup)) : container.command ? [] : (image.cmd ?? []);
  return [...entrypoint, ...args];
}
