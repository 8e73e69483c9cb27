/**
 * Upstream's pod defaulting (pkg/apis/core/v1/defaults.go: SetDefaults_PodSpec, _Container, _Probe,
 * _Volume, ...) for pods and every pod template, plus the pod-only defaults of SetDefaults_Pod and
 * the admission plugins that always run (ServiceAccount name, Priority, DefaultTolerationSeconds).
 */
import type { Container, PodSpec, PodTemplateSpec, Probe, Volume } from 'kubernetes-types/core/v1.js';
import { parseQuantityValue } from '../quantity.js';
import { rec, setDefault } from '../util.js';

type Rec = Record<string, unknown>;

/** The image pull policy upstream derives from the tag: Always for `:latest` or no tag, else IfNotPresent. */
export function defaultPullPolicy(image: string | undefined): string {
  if (!image) return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const tag = colon > lastSlash ? image.slice(colon + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultProbe(p: Probe | undefined): void {
  if (!p) return;
  const r = rec(p);
  setDefault(r, 'timeoutSeconds', 1);
  setDefault(r, 'periodSeconds', 10);
  setDefault(r, 'successThreshold', 1);
  setDefault(r, 'failureThreshold', 3);
  if (p.httpGet) {
    setDefault(p.httpGet, 'path', '/');
    setDefault(p.httpGet, 'scheme', 'HTTP');
  }
}

function defaultLifecycleHandler(h: { httpGet?: { path?: string; scheme?: string } } | undefined): void {
  if (h?.httpGet) {
    setDefault(h.httpGet, 'path', '/');
    setDefault(h.httpGet, 'scheme', 'HTTP');
  }
}

/** defaultContainer applies SetDefaults_Container and friends to one container. */
export function defaultContainer(c: Container, hostNetwork: boolean): void {
  const r = rec(c);
  setDefault(r, 'imagePullPolicy', defaultPullPolicy(c.image));
  setDefault(r, 'terminationMessagePath', '/dev/termination-log');
  setDefault(r, 'terminationMessagePolicy', 'File');
  setDefault(r, 'resources', {});
  for (const p of c.ports ?? []) {
    setDefault(p, 'protocol', 'TCP');
    if (hostNetwork && p.hostPort === undefined) rec(p)['hostPort'] = p.containerPort;
  }
  for (const e of c.env ?? []) {
    const fieldRef = e.valueFrom?.fieldRef;
    if (fieldRef) setDefault(fieldRef, 'apiVersion', 'v1');
  }
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  defaultLifecycleHandler(c.lifecycle?.postStart);
  defaultLifecycleHandler(c.lifecycle?.preStop);
}

const volumeSources = [
  'hostPath', 'emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi',
  'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker', 'downwardAPI', 'fc',
  'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected',
  'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral', 'image',
];

/** volumeSourceKeys lists the source fields set on a volume (upstream allows exactly one). */
export function volumeSourceKeys(v: Volume): string[] {
  const r = rec(v);
  return volumeSources.filter((k) => r[k] !== undefined && r[k] !== null);
}

/** defaultVolume applies SetDefaults_Volume and the per-source defaults (modes 0644 = 420). */
export function defaultVolume(v: Volume): void {
  const r = rec(v);
  if (volumeSourceKeys(v).length === 0) r['emptyDir'] = {};
  if (v.configMap) setDefault(v.configMap, 'defaultMode', 420);
  if (v.secret) setDefault(v.secret, 'defaultMode', 420);
  if (v.downwardAPI) {
    setDefault(v.downwardAPI, 'defaultMode', 420);
    for (const item of v.downwardAPI.items ?? []) if (item.fieldRef) setDefault(item.fieldRef, 'apiVersion', 'v1');
  }
  if (v.projected) setDefault(v.projected, 'defaultMode', 420);
  if (v.hostPath) setDefault(v.hostPath, 'type', '');
  if (v.iscsi) setDefault(v.iscsi, 'iscsiInterface', 'default');
}

/** defaultPodSpec applies SetDefaults_PodSpec (shared by pods and pod templates). */
export function defaultPodSpec(spec: PodSpec): void {
  const r = rec(spec);
  setDefault(r, 'dnsPolicy', 'ClusterFirst');
  setDefault(r, 'restartPolicy', 'Always');
  setDefault(r, 'terminationGracePeriodSeconds', 30);
  setDefault(r, 'securityContext', {});
  setDefault(r, 'schedulerName', 'default-scheduler');
  const hostNetwork = spec.hostNetwork === true;
  for (const c of spec.initContainers ?? []) defaultContainer(c, hostNetwork);
  for (const c of spec.containers ?? []) defaultContainer(c, hostNetwork);
  for (const v of spec.volumes ?? []) defaultVolume(v);
}

/** defaultPodTemplate defaults a template's spec; template metadata shows `creationTimestamp: null` as upstream's does. */
export function defaultPodTemplate(t: PodTemplateSpec | undefined): void {
  if (!t) return;
  const meta = (t.metadata ?? {}) as Rec;
  if (!('creationTimestamp' in meta)) meta['creationTimestamp'] = null;
  rec(t)['metadata'] = meta;
  if (t.spec) defaultPodSpec(t.spec);
}

/** The tolerations DefaultTolerationSeconds admission adds to every pod (300 s). */
const defaultTolerations = [
  { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
];

/**
 * defaultPod applies what a stored Pod carries beyond its template's defaults: SetDefaults_Pod
 * (enableServiceLinks, requests from limits) and the always-on admission plugins (ServiceAccount
 * name, Priority + preemptionPolicy, not-ready/unreachable tolerations).
 */
export function defaultPodOnly(spec: PodSpec): void {
  const r = rec(spec);
  setDefault(r, 'enableServiceLinks', true);
  if (!spec.serviceAccountName) r['serviceAccountName'] = rec(spec)['serviceAccount'] || 'default';
  r['serviceAccount'] = spec.serviceAccountName;
  setDefault(r, 'priority', 0);
  setDefault(r, 'preemptionPolicy', 'PreemptLowerPriority');
  const tolerations = [...(spec.tolerations ?? [])];
  for (const t of defaultTolerations) {
    const has = tolerations.some((x) => (x.key === t.key || !x.key) && (x.effect === 'NoExecute' || !x.effect));
    if (!has) tolerations.push({ ...t });
  }
  r['tolerations'] = tolerations;
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
    const res = c.resources;
    if (!res?.limits) continue;
    const requests = { ...(res.requests ?? {}) };
    for (const [k, v] of Object.entries(res.limits)) {
      if (requests[k] === undefined && parseQuantityValue(v) !== undefined) requests[k] = v;
    }
    rec(res)['requests'] = requests;
  }
}
