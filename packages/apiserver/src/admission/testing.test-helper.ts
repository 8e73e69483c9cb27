/** Builders for admission plugin tests. */
import type { KubeObject, RequestContext, ResourceDefinition } from '../registry/types.js';
import type { AdmissionRequest, Operation } from './types.js';

const table = { columns: [], row: () => [] };
const strategy = { prepareForCreate: () => {}, applyDefaults: () => {}, validate: () => [], prepareForUpdate: () => {}, validateUpdate: () => [] };

/** def builds a minimal ResourceDefinition. */
export function def(group: string, resource: string, namespaced = true): ResourceDefinition {
  return { group, versions: ['v1'], resource, singular: resource, kind: resource, namespaced, verbs: [], strategy, table };
}

/** admissionRequest builds a request; old/new objects as given. */
export function admissionRequest(opts: {
  operation: Operation;
  def: ResourceDefinition;
  object?: KubeObject;
  old?: KubeObject;
  name?: string;
  namespace?: string;
  subresource?: string;
  user?: RequestContext['user'];
}): AdmissionRequest {
  const ctx: RequestContext = { namespace: opts.namespace ?? 'default', user: opts.user ?? { name: 'jane', groups: ['system:authenticated'] }, dryRun: false, now: new Date() };
  return {
    operation: opts.operation,
    def: opts.def,
    subresource: opts.subresource ?? '',
    name: opts.name ?? opts.object?.metadata.name ?? '',
    namespace: opts.namespace ?? 'default',
    ctx,
    ...(opts.object ? { object: opts.object } : {}),
    newObject: async () => opts.object,
    oldObject: async () => opts.old,
  };
}
