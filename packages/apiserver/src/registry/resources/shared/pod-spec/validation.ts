/**
 * Upstream's pod spec validation (pkg/apis/core/validation: ValidatePodSpec, validateContainers,
 * validateVolumes, ...) for the cases users hit: names, images, ports, env, mounts, probes,
 * resources, policies and tolerations. Exotic fields are left permissive.
 */
import type { Container, EnvVar, PodSpec, Probe, ResourceRequirements, Toleration, Volume } from 'kubernetes-types/core/v1.js';
import { parseQuantityValue, quantityRegexText } from '../quantity.js';
import type { FieldError } from '../validation.js';
import {
  duplicate,
  forbidden,
  invalid,
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidPortName,
  isValidPortNum,
  notFound,
  notSupported,
  required,
  validateLabels,
  validateNonNegative,
} from '../validation.js';
import { volumeSourceKeys } from './defaults.js';

/** Options of validatePodSpec. */
export interface PodSpecValidationOptions {
  /** Allowed restartPolicy values (Deployments: ['Always']; Jobs: ['OnFailure', 'Never']). */
  restartPolicies?: string[];
}

const protocols = ['SCTP', 'TCP', 'UDP'];
const pullPolicies = ['Always', 'IfNotPresent', 'Never'];
const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const restartPolicies = ['Always', 'OnFailure', 'Never'];
const containerResources = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** validatePodSpec returns the problems of a pod spec at `path` (e.g. `spec` or `spec.template.spec`). */
export function validatePodSpec(spec: PodSpec | undefined, path: string, opts: PodSpecValidationOptions = {}): FieldError[] {
  if (!spec) return [required(path)];
  const errs: FieldError[] = [];
  const volumeNames = validateVolumes(spec.volumes ?? [], `${path}.volumes`, errs);
  const seenNames = new Set<string>();
  validateContainers(spec.initContainers ?? [], `${path}.initContainers`, { volumeNames, seenNames, init: true }, errs);
  if (!spec.containers || spec.containers.length === 0) errs.push(required(`${path}.containers`));
  else validateContainers(spec.containers, `${path}.containers`, { volumeNames, seenNames, init: false }, errs);
  validatePolicies(spec, path, opts, errs);
  errs.push(...validateLabels(spec.nodeSelector, `${path}.nodeSelector`));
  for (const [i, t] of (spec.tolerations ?? []).entries()) validateToleration(t, `${path}.tolerations[${i}]`, errs);
  return errs;
}

function validatePolicies(spec: PodSpec, path: string, opts: PodSpecValidationOptions, errs: FieldError[]): void {
  const rp = spec.restartPolicy;
  if (!rp) errs.push(required(`${path}.restartPolicy`));
  else if (!restartPolicies.includes(rp)) errs.push(notSupported(`${path}.restartPolicy`, rp, restartPolicies));
  else if (opts.restartPolicies && !opts.restartPolicies.includes(rp)) {
    errs.push(notSupported(`${path}.restartPolicy`, rp, opts.restartPolicies));
  }
  const dns = spec.dnsPolicy;
  if (dns && !dnsPolicies.includes(dns)) errs.push(notSupported(`${path}.dnsPolicy`, dns, dnsPolicies));
  if (dns === 'None' && !spec.dnsConfig) {
    errs.push(required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
  }
  if (spec.activeDeadlineSeconds !== undefined && (spec.activeDeadlineSeconds < 1 || spec.activeDeadlineSeconds > 2147483647)) {
    errs.push(invalid(`${path}.activeDeadlineSeconds`, spec.activeDeadlineSeconds, 'must be between 1 and 2147483647, inclusive'));
  }
  if (spec.serviceAccountName) {
    for (const m of isDNS1123Subdomain(spec.serviceAccountName)) errs.push(invalid(`${path}.serviceAccountName`, spec.serviceAccountName, m));
  }
  if (spec.nodeName) {
    for (const m of isDNS1123Subdomain(spec.nodeName)) errs.push(invalid(`${path}.nodeName`, spec.nodeName, m));
  }
  if (spec.hostname) for (const m of isDNS1123Label(spec.hostname)) errs.push(invalid(`${path}.hostname`, spec.hostname, m));
  if (spec.subdomain) for (const m of isDNS1123Label(spec.subdomain)) errs.push(invalid(`${path}.subdomain`, spec.subdomain, m));
}

function validateToleration(t: Toleration, path: string, errs: FieldError[]): void {
  const op = t.operator ?? 'Equal';
  if (op !== 'Equal' && op !== 'Exists') errs.push(notSupported(`${path}.operator`, op, ['Equal', 'Exists']));
  if (op === 'Exists' && t.value) {
    errs.push(invalid(`${path}.operator`, t.value, "value must be empty when `operator` is 'Exists'"));
  }
  if (!t.key && op !== 'Exists') {
    errs.push(invalid(`${path}.operator`, op, "operator must be Exists when `key` is empty, which means \"match all values and all keys\""));
  }
  const effects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
  if (t.effect && !effects.includes(t.effect)) errs.push(notSupported(`${path}.effect`, t.effect, effects));
  if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
    errs.push(invalid(`${path}.effect`, t.effect ?? '', 'effect must be \'NoExecute\' when `tolerationSeconds` is set'));
  }
}

function validateVolumes(volumes: Volume[], path: string, errs: FieldError[]): Set<string> {
  const names = new Set<string>();
  for (const [i, v] of volumes.entries()) {
    const p = `${path}[${i}]`;
    if (!v.name) errs.push(required(`${p}.name`));
    else {
      for (const m of isDNS1123Label(v.name)) errs.push(invalid(`${p}.name`, v.name, m));
      if (names.has(v.name)) errs.push(duplicate(`${p}.name`, v.name));
      names.add(v.name);
    }
    const sources = volumeSourceKeys(v);
    if (sources.length === 0) errs.push(required(p, 'must specify a volume type'));
    for (const extra of sources.slice(1)) errs.push(forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type'));
    validateVolumeSource(v, p, errs);
  }
  return names;
}

function validateMode(mode: unknown, path: string, errs: FieldError[]): void {
  if (typeof mode === 'number' && (mode < 0 || mode > 0o777)) {
    errs.push(invalid(path, mode, 'must be a number between 0 and 0777 (octal), both inclusive'));
  }
}

function validateVolumeSource(v: Volume, p: string, errs: FieldError[]): void {
  if (v.configMap) {
    if (!v.configMap.name) errs.push(required(`${p}.configMap.name`));
    validateMode(v.configMap.defaultMode, `${p}.configMap.defaultMode`, errs);
  }
  if (v.secret) {
    if (!v.secret.secretName) errs.push(required(`${p}.secret.secretName`));
    validateMode(v.secret.defaultMode, `${p}.secret.defaultMode`, errs);
  }
  if (v.hostPath && !v.hostPath.path) errs.push(required(`${p}.hostPath.path`));
  if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) errs.push(required(`${p}.persistentVolumeClaim.claimName`));
  if (v.nfs) {
    if (!v.nfs.server) errs.push(required(`${p}.nfs.server`));
    if (!v.nfs.path) errs.push(required(`${p}.nfs.path`));
  }
}

interface ContainerContext {
  volumeNames: Set<string>;
  seenNames: Set<string>;
  init: boolean;
}

function validateContainers(containers: Container[], path: string, ctx: ContainerContext, errs: FieldError[]): void {
  for (const [i, c] of containers.entries()) {
    const p = `${path}[${i}]`;
    if (!c.name) errs.push(required(`${p}.name`));
    else {
      for (const m of isDNS1123Label(c.name)) errs.push(invalid(`${p}.name`, c.name, m));
      if (ctx.seenNames.has(c.name)) errs.push(duplicate(`${p}.name`, c.name));
      ctx.seenNames.add(c.name);
    }
    if (!c.image) errs.push(required(`${p}.image`));
    else if (c.image.trim() !== c.image) errs.push(invalid(`${p}.image`, c.image, 'must not have leading or trailing whitespace'));
    if (c.imagePullPolicy && !pullPolicies.includes(c.imagePullPolicy)) {
      errs.push(notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, pullPolicies));
    }
    if (c.restartPolicy !== undefined) {
      if (!ctx.init) errs.push(forbidden(`${p}.restartPolicy`, 'may not be set for non-init containers'));
      else if (c.restartPolicy !== 'Always') errs.push(notSupported(`${p}.restartPolicy`, c.restartPolicy, ['Always']));
    }
    validatePorts(c, p, errs);
    for (const [j, e] of (c.env ?? []).entries()) validateEnv(e, `${p}.env[${j}]`, errs);
    validateMounts(c, p, ctx.volumeNames, errs);
    validateResources(c.resources, `${p}.resources`, errs);
    validateProbe(c.livenessProbe, `${p}.livenessProbe`, true, errs);
    validateProbe(c.readinessProbe, `${p}.readinessProbe`, false, errs);
    validateProbe(c.startupProbe, `${p}.startupProbe`, true, errs);
  }
}

function validatePorts(c: Container, p: string, errs: FieldError[]): void {
  const names = new Set<string>();
  for (const [j, port] of (c.ports ?? []).entries()) {
    const pp = `${p}.ports[${j}]`;
    if (port.name) {
      for (const m of isValidPortName(port.name)) errs.push(invalid(`${pp}.name`, port.name, m));
      if (names.has(port.name)) errs.push(duplicate(`${pp}.name`, port.name));
      names.add(port.name);
    }
    if (!port.containerPort) errs.push(required(`${pp}.containerPort`));
    else for (const m of isValidPortNum(port.containerPort)) errs.push(invalid(`${pp}.containerPort`, port.containerPort, m));
    if (port.hostPort) for (const m of isValidPortNum(port.hostPort)) errs.push(invalid(`${pp}.hostPort`, port.hostPort, m));
    if (!port.protocol) errs.push(required(`${pp}.protocol`));
    else if (!protocols.includes(port.protocol)) errs.push(notSupported(`${pp}.protocol`, port.protocol, protocols));
  }
}

function validateEnv(e: EnvVar, p: string, errs: FieldError[]): void {
  if (!e.name) errs.push(required(`${p}.name`));
  else if (!/^[\x20-\x3c\x3e-\x7e]+$/.test(e.name)) {
    errs.push(invalid(`${p}.name`, e.name, "a valid environment variable name must consist only of printable ASCII characters other than '='"));
  }
  const from = e.valueFrom;
  if (!from) return;
  const sources = (['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const).filter((k) => from[k]);
  if (sources.length === 0) {
    errs.push(invalid(`${p}.valueFrom`, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
  } else if (sources.length > 1) {
    errs.push(invalid(`${p}.valueFrom`, '', 'may not have more than one field specified at a time'));
  }
  if (e.value) errs.push(invalid(`${p}.valueFrom`, '', 'may not be specified when `value` is not empty'));
  for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
    const ref = from[k];
    if (!ref) continue;
    if (!ref.name) errs.push(required(`${p}.valueFrom.${k}.name`));
    if (!ref.key) errs.push(required(`${p}.valueFrom.${k}.key`));
  }
  if (from.fieldRef && !from.fieldRef.fieldPath) errs.push(required(`${p}.valueFrom.fieldRef.fieldPath`));
}

function validateMounts(c: Container, p: string, volumeNames: Set<string>, errs: FieldError[]): void {
  const paths = new Set<string>();
  for (const [j, m] of (c.volumeMounts ?? []).entries()) {
    const mp = `${p}.volumeMounts[${j}]`;
    if (!m.name) errs.push(required(`${mp}.name`));
    else if (!volumeNames.has(m.name)) errs.push(notFound(`${mp}.name`, m.name));
    if (!m.mountPath) errs.push(required(`${mp}.mountPath`));
    else {
      if (paths.has(m.mountPath)) errs.push(invalid(`${mp}.mountPath`, m.mountPath, 'must be unique'));
      paths.add(m.mountPath);
    }
  }
}

/** validateResources checks quantities, resource names and requests <= limits. */
export function validateResources(res: ResourceRequirements | undefined, p: string, errs: FieldError[]): void {
  if (!res) return;
  const parsed: Record<'limits' | 'requests', Record<string, number>> = { limits: {}, requests: {} };
  for (const kind of ['limits', 'requests'] as const) {
    for (const [name, q] of Object.entries(res[kind] ?? {})) {
      const fp = `${p}.${kind}[${name}]`;
      if (!name.includes('/') && !containerResources.has(name) && !name.startsWith('hugepages-')) {
        errs.push(invalid(fp, name, 'must be a standard resource type or fully qualified'));
        continue;
      }
      const v = parseQuantityValue(q);
      if (v === undefined) errs.push(invalid(fp, String(q), `quantities must match the regular expression '${quantityRegexText}'`));
      else if (v < 0) errs.push(invalid(fp, String(q), 'must be greater than or equal to 0'));
      else parsed[kind][name] = v;
    }
  }
  for (const [name, reqValue] of Object.entries(parsed.requests)) {
    const limit = parsed.limits[name];
    if (limit !== undefined && reqValue > limit) {
      errs.push(invalid(`${p}.requests`, String(res.requests?.[name]), `must be less than or equal to ${name} limit of ${String(res.limits?.[name])}`));
    }
  }
}

function validateProbe(probe: Probe | undefined, p: string, mustSucceedOnce: boolean, errs: FieldError[]): void {
  if (!probe) return;
  const handlers = (['exec', 'httpGet', 'tcpSocket', 'grpc'] as const).filter((k) => probe[k]);
  if (handlers.length === 0) errs.push(required(p, 'must specify a handler type'));
  for (const extra of handlers.slice(1)) errs.push(forbidden(`${p}.${extra}`, 'may not specify more than 1 handler type'));
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    errs.push(...validateNonNegative(probe[f], `${p}.${f}`));
  }
  if (mustSucceedOnce && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(invalid(`${p}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  const port = probe.httpGet?.port ?? probe.tcpSocket?.port;
  const portPath = probe.httpGet ? `${p}.httpGet.port` : `${p}.tcpSocket.port`;
  if (typeof port === 'number') for (const m of isValidPortNum(port)) errs.push(invalid(portPath, port, m));
  else if (typeof port === 'string') for (const m of isValidPortName(port)) errs.push(invalid(portPath, port, m));
  const scheme = probe.httpGet?.scheme;
  if (scheme && scheme !== 'HTTP' && scheme !== 'HTTPS') errs.push(notSupported(`${p}.httpGet.scheme`, scheme, ['HTTP', 'HTTPS']));
}
