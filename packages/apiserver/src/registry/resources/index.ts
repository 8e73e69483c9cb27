/**
 * Every resource nanokube serves, one definition per folder (`<group>/<resource>/`). The generic
 * registry (registry/generic) does CRUD, watch and tables with these; discovery lists them in this
 * order within each group version.
 */
import { controllerrevisions } from './apps/controllerrevisions/index.js';
import { daemonsets } from './apps/daemonsets/index.js';
import { deployments } from './apps/deployments/index.js';
import { replicasets } from './apps/replicasets/index.js';
import { statefulsets } from './apps/statefulsets/index.js';
import { horizontalpodautoscalers } from './autoscaling/horizontalpodautoscalers/index.js';
import { cronjobs } from './batch/cronjobs/index.js';
import { jobs } from './batch/jobs/index.js';
import { certificatesigningrequests } from './certificates/certificatesigningrequests/index.js';
import { leases } from './coordination/leases/index.js';
import { configmaps } from './core/configmaps/index.js';
import { endpoints } from './core/endpoints/index.js';
import { events } from './core/events/index.js';
import { limitranges } from './core/limitranges/index.js';
import { namespaces } from './core/namespaces/index.js';
import { nodes } from './core/nodes/index.js';
import { persistentvolumeclaims } from './core/persistentvolumeclaims/index.js';
import { persistentvolumes } from './core/persistentvolumes/index.js';
import { pods } from './core/pods/index.js';
import { podtemplates } from './core/podtemplates/index.js';
import { replicationcontrollers } from './core/replicationcontrollers/index.js';
import { resourcequotas } from './core/resourcequotas/index.js';
import { secrets } from './core/secrets/index.js';
import { serviceaccounts } from './core/serviceaccounts/index.js';
import { services } from './core/services/index.js';
import { endpointslices } from './discovery/endpointslices/index.js';
import { eventsV1 } from './events.k8s.io/events/index.js';
import { ingressclasses } from './networking/ingressclasses/index.js';
import { ingresses } from './networking/ingresses/index.js';
import { networkpolicies } from './networking/networkpolicies/index.js';
import { poddisruptionbudgets } from './policy/poddisruptionbudgets/index.js';
import { clusterrolebindings } from './rbac/clusterrolebindings/index.js';
import { clusterroles } from './rbac/clusterroles/index.js';
import { rolebindings } from './rbac/rolebindings/index.js';
import { roles } from './rbac/roles/index.js';
import { reviewResources } from './reviews/index.js';
import { priorityclasses } from './scheduling/priorityclasses/index.js';
import type { NanoResourceDefinition } from './shared/definition.js';
import { storageclasses } from './storage/storageclasses/index.js';

export type { NanoResourceDefinition } from './shared/definition.js';
export type { NameValidation } from './shared/validation.js';
export { nameValidator } from './shared/validation.js';
export { validateDefinitionMeta } from './shared/object-meta.js';
export { humanDuration } from './shared/humanize.js';

/** allResources lists every served resource; `virtual` ones (reviews) are create-only and never stored. */
export const allResources: NanoResourceDefinition[] = [
  // core/v1
  configmaps,
  endpoints,
  events,
  limitranges,
  namespaces,
  nodes,
  persistentvolumeclaims,
  persistentvolumes,
  pods,
  podtemplates,
  replicationcontrollers,
  resourcequotas,
  secrets,
  serviceaccounts,
  services,
  // apps/v1
  controllerrevisions,
  daemonsets,
  deployments,
  replicasets,
  statefulsets,
  // other groups
  horizontalpodautoscalers,
  cronjobs,
  jobs,
  certificatesigningrequests,
  leases,
  endpointslices,
  eventsV1,
  ingressclasses,
  ingresses,
  networkpolicies,
  poddisruptionbudgets,
  clusterrolebindings,
  clusterroles,
  rolebindings,
  roles,
  priorityclasses,
  storageclasses,
  ...reviewResources,
];
