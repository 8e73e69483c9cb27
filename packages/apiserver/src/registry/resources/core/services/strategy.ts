/** Service defaulting and validation (SetDefaults_Service, ValidateService, patchAllocatedValues). */
import type { Service, ServicePort } from 'kubernetes-types/core/v1.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { rec, setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import {
  duplicate,
  forbidden,
  invalid,
  isDNS1123Label,
  isDNS1123Subdomain,
  isValidIP,
  isValidPortName,
  isValidPortNum,
  notSupported,
  required,
  validateLabels,
} from '../../shared/validation.js';

/** The NodePort range validation enforces (the allocator owns the configured range). */
export const nodePortRange = { min: 30000, max: 32767 };

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const protocols = ['SCTP', 'TCP', 'UDP'];

/** defaultService applies SetDefaults_Service. */
export function defaultService(svc: Service): void {
  const spec = svc.spec;
  if (!spec) return;
  setDefault(spec, 'sessionAffinity', 'None');
  setDefault(spec, 'type', 'ClusterIP');
  for (const p of spec.ports ?? []) {
    setDefault(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') rec(p)['targetPort'] = p.port;
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (spec.type !== 'ExternalName') setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  if (spec.sessionAffinity === 'ClientIP') {
    const cfg = (spec.sessionAffinityConfig ??= {});
    setDefault((cfg.clientIP ??= {}), 'timeoutSeconds', 10800);
  }
}

function validatePort(p: ServicePort, i: number, spec: NonNullable<Service['spec']>, names: Set<string>, errs: FieldError[]): void {
  const path = `spec.ports[${i}]`;
  const many = (spec.ports?.length ?? 0) > 1;
  if (!p.name) {
    if (many) errs.push(required(`${path}.name`));
  } else {
    // Service port names are DNS labels (ValidateDNS1123Label), unlike container port names (IANA_SVC_NAME).
    for (const m of isDNS1123Label(p.name)) errs.push(invalid(`${path}.name`, p.name, m));
    if (names.has(p.name)) errs.push(duplicate(`${path}.name`, p.name));
    names.add(p.name);
  }
  for (const m of isValidPortNum(p.port)) errs.push(invalid(`${path}.port`, p.port, m));
  if (!p.protocol) errs.push(required(`${path}.protocol`));
  else if (!protocols.includes(p.protocol)) errs.push(notSupported(`${path}.protocol`, p.protocol, protocols));
  const tp = p.targetPort;
  if (typeof tp === 'number') for (const m of isValidPortNum(tp)) errs.push(invalid(`${path}.targetPort`, tp, m));
  else if (typeof tp === 'string') for (const m of isValidPortName(tp)) errs.push(invalid(`${path}.targetPort`, tp, m));
  if (p.nodePort) {
    if (spec.type === 'ClusterIP') errs.push(forbidden(`${path}.nodePort`, "may not be used when `type` is 'ClusterIP'"));
    else if (p.nodePort < nodePortRange.min || p.nodePort > nodePortRange.max) {
      errs.push(
        invalid(
          `${path}.nodePort`,
          p.nodePort,
          `provided port is not in the valid range. The range of valid ports is ${nodePortRange.min}-${nodePortRange.max}`,
        ),
      );
    }
  }
}

/** validateService is ValidateService for the common cases. */
export function validateService(svc: Service): FieldError[] {
  const spec = svc.spec;
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  const type = spec.type ?? 'ClusterIP';
  if (!serviceTypes.includes(type)) errs.push(notSupported('spec.type', type, serviceTypes));
  const headless = spec.clusterIP === 'None';
  if (type === 'ExternalName') {
    if (!spec.externalName) errs.push(required('spec.externalName'));
    else for (const m of isDNS1123Subdomain(spec.externalName.replace(/\.$/, ''))) errs.push(invalid('spec.externalName', spec.externalName, m));
  } else if ((spec.ports ?? []).length === 0 && !headless) {
    errs.push(required('spec.ports'));
  }
  if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
    errs.push(invalid('spec.clusterIPs[0]', 'None', `may not be set to 'None' for ${type} services`));
  }
  if (spec.clusterIP && !headless) for (const m of isValidIP(spec.clusterIP)) errs.push(invalid('spec.clusterIPs[0]', spec.clusterIP, m));
  const names = new Set<string>();
  for (const [i, p] of (spec.ports ?? []).entries()) validatePort(p, i, spec, names, errs);
  if (spec.sessionAffinity && spec.sessionAffinity !== 'None' && spec.sessionAffinity !== 'ClientIP') {
    errs.push(notSupported('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  }
  errs.push(...validateLabels(spec.selector, 'spec.selector'));
  for (const [i, ip] of (spec.externalIPs ?? []).entries()) for (const m of isValidIP(ip)) errs.push(invalid(`spec.externalIPs[${i}]`, ip, m));
  const etp = spec.externalTrafficPolicy;
  if (etp) {
    if (type !== 'NodePort' && type !== 'LoadBalancer') {
      errs.push(invalid('spec.externalTrafficPolicy', etp, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"));
    } else if (etp !== 'Cluster' && etp !== 'Local') errs.push(notSupported('spec.externalTrafficPolicy', etp, ['Cluster', 'Local']));
  }
  const itp = spec.internalTrafficPolicy;
  if (itp && itp !== 'Cluster' && itp !== 'Local') errs.push(notSupported('spec.internalTrafficPolicy', itp, ['Cluster', 'Local']));
  return errs;
}

/** keepAllocatedValues is upstream's patchAllocatedValues: an update that omits ClusterIP or NodePorts keeps them. */
function keepAllocatedValues(svc: Service, old: Service): void {
  const spec = svc.spec;
  const oldSpec = old.spec;
  if (!spec || !oldSpec) return;
  const needsClusterIP = (t: string | undefined): boolean => t !== 'ExternalName';
  if (needsClusterIP(spec.type) && needsClusterIP(oldSpec.type)) {
    if (!spec.clusterIP && oldSpec.clusterIP) spec.clusterIP = oldSpec.clusterIP;
    if (!spec.clusterIPs?.length && oldSpec.clusterIPs) spec.clusterIPs = [...oldSpec.clusterIPs];
    if (!spec.ipFamilies?.length && oldSpec.ipFamilies) spec.ipFamilies = [...oldSpec.ipFamilies];
    if (!spec.ipFamilyPolicy && oldSpec.ipFamilyPolicy) spec.ipFamilyPolicy = oldSpec.ipFamilyPolicy;
  }
  const wantsNodePorts = (t: string | undefined): boolean => t === 'NodePort' || t === 'LoadBalancer';
  if (wantsNodePorts(spec.type) && wantsNodePorts(oldSpec.type)) {
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const match = (oldSpec.ports ?? []).find((o) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (match?.nodePort) p.nodePort = match.nodePort;
    }
    if (!spec.healthCheckNodePort && oldSpec.healthCheckNodePort) spec.healthCheckNodePort = oldSpec.healthCheckNodePort;
  }
}

function validateServiceUpdate(svc: Service, old: Service): FieldError[] {
  const errs: FieldError[] = [];
  const oldIP = old.spec?.clusterIP;
  const newIP = svc.spec?.clusterIP;
  if (oldIP && newIP !== oldIP && svc.spec?.type !== 'ExternalName' && old.spec?.type !== 'ExternalName') {
    errs.push(invalid('spec.clusterIPs[0]', newIP ?? '', 'may not change once set'));
  }
  return errs;
}

export const serviceStrategy = defineStrategy<Service>({
  hasStatus: true,
  initialStatus: () => ({ loadBalancer: {} }),
  defaults: defaultService,
  validate: validateService,
  prepareForUpdate: keepAllocatedValues,
  validateUpdate: validateServiceUpdate,
});

export const serviceStatusStrategy = defineStatusStrategy<Service>();
