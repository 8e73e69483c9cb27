/** What a pod references, for the node authorizer's graph (pod -> secret/configmap/pvc/serviceaccount). */
import type { Pod } from 'kubernetes-types/core/v1.js';

/** PodReferences lists the names a pod uses, by kind. */
export interface PodReferences {
  secrets: Set<string>;
  configMaps: Set<string>;
  persistentVolumeClaims: Set<string>;
  serviceAccount: string;
}

/** podReferences collects every Secret, ConfigMap, PVC and the ServiceAccount a pod refers to. */
export function podReferences(pod: Pod): PodReferences {
  const refs: PodReferences = { secrets: new Set(), configMaps: new Set(), persistentVolumeClaims: new Set(), serviceAccount: pod.spec?.serviceAccountName ?? 'default' };
  const spec = pod.spec;
  if (!spec) return refs;
  for (const s of spec.imagePullSecrets ?? []) if (s.name) refs.secrets.add(s.name);
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName) refs.secrets.add(v.secret.secretName);
    if (v.configMap?.name) refs.configMaps.add(v.configMap.name);
    if (v.persistentVolumeClaim?.claimName) refs.persistentVolumeClaims.add(v.persistentVolumeClaim.claimName);
    if (v.ephemeral) refs.persistentVolumeClaims.add(`${pod.metadata?.name ?? ''}-${v.name}`);
    for (const src of v.projected?.sources ?? []) {
      if (src.secret?.name) refs.secrets.add(src.secret.name);
      if (src.configMap?.name) refs.configMaps.add(src.configMap.name);
    }
    for (const ref of [v.azureFile?.secretName, v.cephfs?.secretRef?.name, v.cinder?.secretRef?.name, v.flexVolume?.secretRef?.name, v.rbd?.secretRef?.name, v.iscsi?.secretRef?.name, v.csi?.nodePublishSecretRef?.name]) {
      if (ref) refs.secrets.add(ref);
    }
  }
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef?.name) refs.secrets.add(e.valueFrom.secretKeyRef.name);
      if (e.valueFrom?.configMapKeyRef?.name) refs.configMaps.add(e.valueFrom.configMapKeyRef.name);
    }
    for (const e of c.envFrom ?? []) {
      if (e.secretRef?.name) refs.secrets.add(e.secretRef.name);
      if (e.configMapRef?.name) refs.configMaps.add(e.configMapRef.name);
    }
  }
  return refs;
}
