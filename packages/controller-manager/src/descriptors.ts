import { bootstrapSignerControllerDescriptor } from './controllers/bootstrap-signer/controller.js';
import { cronJobControllerDescriptor } from './controllers/cronjob/controller.js';
import { csrApprovingControllerDescriptor } from './controllers/csr/approver.js';
import { csrSigningControllerDescriptor } from './controllers/csr/signer.js';
import { daemonSetControllerDescriptor } from './controllers/daemonset/controller.js';
import { deploymentControllerDescriptor } from './controllers/deployment/controller.js';
import { endpointsControllerDescriptor } from './controllers/endpoints/controller.js';
import { endpointSliceControllerDescriptor } from './controllers/endpointslice/controller.js';
import { garbageCollectorControllerDescriptor } from './controllers/garbage-collector/controller.js';
import { horizontalPodAutoscalerControllerDescriptor } from './controllers/horizontal-pod-autoscaler/controller.js';
import { jobControllerDescriptor } from './controllers/job/controller.js';
import { namespaceControllerDescriptor } from './controllers/namespace/controller.js';
import { nodeIpamControllerDescriptor } from './controllers/node-ipam/controller.js';
import { nodeLifecycleControllerDescriptor } from './controllers/node-lifecycle/controller.js';
import { persistentVolumeBinderControllerDescriptor } from './controllers/persistentvolume-binder/controller.js';
import { podGCControllerDescriptor } from './controllers/podgc/controller.js';
import { replicaSetControllerDescriptor } from './controllers/replicaset/controller.js';
import { serviceLBControllerDescriptor } from './controllers/service-lb/controller.js';
import { serviceAccountControllerDescriptor } from './controllers/serviceaccount/controller.js';
import { rootCaCertPublisherDescriptor } from './controllers/serviceaccount/root-ca-publisher.js';
import { statefulSetControllerDescriptor } from './controllers/statefulset/controller.js';
import { tokenCleanerControllerDescriptor } from './controllers/token-cleaner/controller.js';
import type { ControllerDescriptor } from './shared/index.js';

/**
 * newControllerDescriptors lists every controller the manager knows, by upstream name (upstream
 * NewControllerDescriptors). `--controllers` selects among them by name or alias.
 */
export function newControllerDescriptors(): ControllerDescriptor[] {
  return [
    deploymentControllerDescriptor,
    replicaSetControllerDescriptor,
    garbageCollectorControllerDescriptor,
    namespaceControllerDescriptor,
    serviceAccountControllerDescriptor,
    rootCaCertPublisherDescriptor,
    nodeIpamControllerDescriptor,
    nodeLifecycleControllerDescriptor,
    endpointsControllerDescriptor,
    endpointSliceControllerDescriptor,
    daemonSetControllerDescriptor,
    statefulSetControllerDescriptor,
    jobControllerDescriptor,
    cronJobControllerDescriptor,
    horizontalPodAutoscalerControllerDescriptor,
    podGCControllerDescriptor,
    csrApprovingControllerDescriptor,
    csrSigningControllerDescriptor,
    serviceLBControllerDescriptor,
    persistentVolumeBinderControllerDescriptor,
    bootstrapSignerControllerDescriptor,
    tokenCleanerControllerDescriptor,
  ];
}

/**
 * enabledDescriptors applies `--controllers`: `*` turns on everything not disabled by default, `foo`
 * turns foo on, `-foo` turns it off; names match the upstream name or an alias. The last mention wins
 * over `*`, as upstream's IsControllerEnabled.
 */
export function enabledDescriptors(all: ControllerDescriptor[], controllers: string[]): ControllerDescriptor[] {
  const star = controllers.includes('*');
  const mentioned = (d: ControllerDescriptor, name: string): boolean => d.name === name || (d.aliases ?? []).includes(name);
  return all.filter((d) => {
    if (controllers.some((c) => c.startsWith('-') && mentioned(d, c.slice(1)))) return false;
    if (controllers.some((c) => mentioned(d, c))) return true;
    return star && !d.disabledByDefault;
  });
}

/** unknownControllers returns the `--controllers` entries that name no known controller. */
export function unknownControllers(all: ControllerDescriptor[], controllers: string[]): string[] {
  return controllers
    .filter((c) => c !== '*')
    .map((c) => (c.startsWith('-') ? c.slice(1) : c))
    .filter((name) => !all.some((d) => d.name === name || (d.aliases ?? []).includes(name)));
}
