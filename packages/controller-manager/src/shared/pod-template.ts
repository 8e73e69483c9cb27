import type { Pod, PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import type { OwnerReference } from './controller-ref.js';

/**
 * podFromTemplate builds the pod a workload controller creates: the template's labels, annotations,
 * finalizers and spec, `generateName` (the apiserver appends 5 random characters) and the controller
 * reference (upstream GetPodFromTemplate).
 */
export function podFromTemplate(opts: {
  template: PodTemplateSpec | undefined;
  namespace: string;
  generateName: string;
  controllerRef: OwnerReference;
}): Pod {
  const t = structuredClone(opts.template ?? {}) as PodTemplateSpec;
  const meta = t.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: opts.generateName,
      namespace: opts.namespace,
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      ...(meta.finalizers ? { finalizers: meta.finalizers } : {}),
      ownerReferences: [opts.controllerRef],
    },
    spec: t.spec ?? { containers: [] },
  };
}
