/**
 * Strategic-merge-patch metadata of the built-in kinds: which lists merge by which key
 * (`patchMergeKey`), which primitive lists merge as sets, everything else is replaced whole.
 * Mirrors the `patchStrategy`/`patchMergeKey` struct tags of k8s.io/api v0.32.
 */

/** The patch metadata of one field; absent properties mean "replace". */
export interface PatchSchema {
  /** Object fields by JSON name. */
  fields?: Readonly<Record<string, PatchSchema>>;
  /** This field is a list of objects merged by this key. */
  mergeKey?: string;
  /** This field is a list of primitives merged as a set (`finalizers`, `podCIDRs`). */
  setList?: boolean;
  /** Schema of list items (for keyed lists) or of map values (for `map`). */
  elem?: PatchSchema;
  /** This field is a string-keyed map whose values follow `elem`. */
  map?: boolean;
}

/** A group/version/kind; version is informational. */
export interface GroupVersionKind {
  group?: string;
  version?: string;
  kind: string;
}

const obj = (fields: Record<string, PatchSchema>): PatchSchema => ({ fields });
const keyed = (mergeKey: string, elem: PatchSchema = {}): PatchSchema => ({ mergeKey, elem });
const setList: PatchSchema = { setList: true };
const conditions = keyed('type');

/** ObjectMeta: ownerReferences by uid, finalizers as a set. */
export const objectMetaSchema = obj({ ownerReferences: keyed('uid'), finalizers: setList });

const container = obj({
  ports: keyed('containerPort'),
  env: keyed('name'),
  volumeMounts: keyed('mountPath'),
  volumeDevices: keyed('devicePath'),
});

/** PodSpec: containers, volumes, env and friends merge by key. */
export const podSpecSchema = obj({
  volumes: keyed('name'),
  initContainers: keyed('name', container),
  containers: keyed('name', container),
  ephemeralContainers: keyed('name', container),
  imagePullSecrets: keyed('name'),
  hostAliases: keyed('ip'),
  topologySpreadConstraints: keyed('topologyKey'),
  schedulingGates: keyed('name'),
  resourceClaims: keyed('name'),
});

/** PodTemplateSpec. */
export const podTemplateSpecSchema = obj({ metadata: objectMetaSchema, spec: podSpecSchema });

const statusWithConditions = obj({ conditions });
const workload = (spec: Record<string, PatchSchema> = {}): PatchSchema =>
  obj({ spec: obj({ template: podTemplateSpecSchema, ...spec }), status: statusWithConditions });
const jobSpec = obj({ template: podTemplateSpecSchema });

const kinds: Record<string, PatchSchema> = {
  Pod: obj({
    spec: podSpecSchema,
    status: obj({ conditions, podIPs: keyed('ip'), hostIPs: keyed('ip') }),
  }),
  PodTemplate: obj({ template: podTemplateSpecSchema }),
  ReplicationController: workload(),
  'apps/Deployment': workload(),
  'apps/ReplicaSet': workload(),
  'apps/StatefulSet': workload(),
  'apps/DaemonSet': workload(),
  'batch/Job': obj({ spec: jobSpec, status: statusWithConditions }),
  'batch/CronJob': obj({ spec: obj({ jobTemplate: obj({ metadata: objectMetaSchema, spec: jobSpec }) }) }),
  Service: obj({ spec: obj({ ports: keyed('port') }), status: statusWithConditions }),
  ServiceAccount: obj({ secrets: keyed('name'), imagePullSecrets: keyed('name') }),
  Node: obj({ spec: obj({ podCIDRs: setList }), status: obj({ conditions, addresses: keyed('type') }) }),
  Namespace: obj({ status: statusWithConditions }),
  PersistentVolumeClaim: obj({ status: statusWithConditions }),
  'autoscaling/HorizontalPodAutoscaler': obj({ status: statusWithConditions }),
  'policy/PodDisruptionBudget': obj({ status: statusWithConditions }),
  'certificates.k8s.io/CertificateSigningRequest': obj({ status: statusWithConditions }),
  'apiextensions.k8s.io/CustomResourceDefinition': obj({ status: statusWithConditions }),
};

/** Kinds of the core group and the other built-in groups that have no special list fields. */
const plainBuiltins = new Set([
  'ConfigMap', 'Secret', 'Endpoints', 'Event', 'LimitRange', 'ResourceQuota', 'PersistentVolume', 'Binding',
  'ComponentStatus', 'events.k8s.io/Event', 'discovery.k8s.io/EndpointSlice', 'coordination.k8s.io/Lease',
  'rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/RoleBinding',
  'rbac.authorization.k8s.io/ClusterRoleBinding', 'networking.k8s.io/Ingress', 'networking.k8s.io/IngressClass',
  'networking.k8s.io/NetworkPolicy', 'scheduling.k8s.io/PriorityClass', 'storage.k8s.io/StorageClass',
  'node.k8s.io/RuntimeClass', 'apps/ControllerRevision', 'autoscaling/Scale',
]);

function kindKey(gvk: GroupVersionKind): string {
  return gvk.group ? `${gvk.group}/${gvk.kind}` : gvk.kind;
}

/** hasStrategicSchema reports whether SMP is defined for the kind (built-ins; not custom resources). */
export function hasStrategicSchema(gvk: GroupVersionKind): boolean {
  const k = kindKey(gvk);
  return k in kinds || plainBuiltins.has(k);
}

/** schemaForKind returns the patch schema of a kind, with `metadata` filled in for every kind. */
export function schemaForKind(gvk: GroupVersionKind): PatchSchema {
  const own = kinds[kindKey(gvk)] ?? {};
  return { fields: { metadata: objectMetaSchema, ...own.fields } };
}
