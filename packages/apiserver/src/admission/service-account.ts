/**
 * The ServiceAccount admission plugin: a new pod runs as `spec.serviceAccountName` (default
 * `default`), which must exist (waiting a few seconds for the namespace's default one, as the
 * service account controller creates it just after the namespace), and unless automount is off it
 * gets the projected `kube-api-access-<suffix>` volume (token, ca.crt, namespace) mounted read-only
 * at /var/run/secrets/kubernetes.io/serviceaccount in every container.
 */
import { newForbidden } from '@nanokube/api';
import type { Container, Pod, ServiceAccount, Volume } from 'kubernetes-types/core/v1.js';
import type { AdmissionPlugin, AdmissionRequest } from './types.js';

/** Where the token volume is mounted. */
export const serviceAccountMountPath = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The ConfigMap the root-ca publisher writes in every namespace. */
export const rootCAConfigMap = 'kube-root-ca.crt';
const volumePrefix = 'kube-api-access-';
const mirrorAnnotation = 'kubernetes.io/config.mirror';
// Upstream's utilrand alphabet: no vowels, no confusable digits.
const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** What the plugin reads. */
export interface ServiceAccountDeps {
  getServiceAccount(namespace: string, name: string): Promise<ServiceAccount | undefined>;
  namespaceExists(namespace: string): Promise<boolean>;
  /** How long to wait for the `default` service account to appear (default 5 s). */
  waitMs?: number;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

function randomSuffix(random: () => number): string {
  let s = '';
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(random() * alphabet.length)] ?? 'x';
  return s;
}

/** projectedTokenVolume is the volume upstream adds (token 3607 s, ca.crt, namespace). */
export function projectedTokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: rootCAConfigMap, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

function mountInto(containers: Container[] | undefined, volume: string): void {
  for (const c of containers ?? []) {
    if ((c.volumeMounts ?? []).some((m) => m.mountPath === serviceAccountMountPath)) continue;
    c.volumeMounts = [...(c.volumeMounts ?? []), { name: volume, readOnly: true, mountPath: serviceAccountMountPath }];
  }
}

/** serviceAccountAdmission builds the plugin. */
export function serviceAccountAdmission(deps: ServiceAccountDeps): AdmissionPlugin {
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const waitMs = deps.waitMs ?? 5000;

  async function find(ns: string, name: string): Promise<ServiceAccount | undefined> {
    const deadline = Date.now() + (name === 'default' ? waitMs : 0);
    for (let i = 0; ; i++) {
      const sa = await deps.getServiceAccount(ns, name);
      if (sa || Date.now() >= deadline) return sa;
      await sleep(Math.min(50 * 2 ** i, 500));
    }
  }

  return {
    name: 'ServiceAccount',
    handles: (req) => req.operation === 'CREATE' && req.subresource === '' && req.def.group === '' && req.def.resource === 'pods',
    async admit(req: AdmissionRequest) {
      const pod = req.object as unknown as Pod;
      if (pod.metadata?.annotations?.[mirrorAnnotation] !== undefined) return;
      const spec = (pod.spec ??= { containers: [] });
      const name = spec.serviceAccountName || spec.serviceAccount || 'default';
      spec.serviceAccountName = name;
      spec.serviceAccount = name;
      // Leave a missing namespace to NamespaceLifecycle's 404.
      if (!(await deps.namespaceExists(req.namespace))) return;
      const sa = await find(req.namespace, name);
      if (!sa) {
        throw newForbidden({ group: '', resource: 'pods' }, pod.metadata?.name ?? '', `error looking up service account ${req.namespace}/${name}: serviceaccount "${name}" not found`);
      }
      const automount = spec.automountServiceAccountToken ?? sa.automountServiceAccountToken ?? true;
      if (!automount) return;
      const containers = [...(spec.initContainers ?? []), ...spec.containers];
      if (containers.every((c) => (c.volumeMounts ?? []).some((m) => m.mountPath === serviceAccountMountPath))) return;
      const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(volumePrefix) && v.projected);
      const volName = existing?.name ?? volumePrefix + randomSuffix(random);
      if (!existing) spec.volumes = [...(spec.volumes ?? []), projectedTokenVolume(volName)];
      mountInto(spec.initContainers, volName);
      mountInto(spec.containers, volName);
    },
  };
}
