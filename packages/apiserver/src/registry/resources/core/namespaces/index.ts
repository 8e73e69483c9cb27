/** The `namespaces` resource (core/v1): phase Active on create, finalizer `kubernetes`. */
import type { Namespace } from 'kubernetes-types/core/v1.js';
import type { KubeObject, StatusStrategy } from '../../../types.js';
import { namespaceVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { clone, rec } from '../../shared/util.js';
import { invalid, isQualifiedName, type FieldError } from '../../shared/validation.js';

function validateFinalizers(list: string[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const f of list ?? []) {
    for (const m of isQualifiedName(f)) errs.push(invalid(path, f, m));
    if (!f.includes('/') && f !== 'kubernetes') {
      errs.push(invalid(path, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  }
  return errs;
}

export const namespaceStrategy = defineStrategy<Namespace>({
  hasStatus: true,
  initialStatus: () => ({ phase: 'Active' }),
  prepareForCreate(ns) {
    // Upstream always starts a namespace with exactly the `kubernetes` finalizer.
    const spec = (ns.spec ??= {});
    const set = new Set(spec.finalizers ?? []);
    set.add('kubernetes');
    spec.finalizers = [...set];
  },
  prepareForUpdate(ns, old) {
    // spec.finalizers changes only through the `finalize` subresource.
    rec(ns)['spec'] = clone(old.spec);
  },
  defaults(ns) {
    const labels = (ns.metadata ??= {}).labels ?? {};
    if (ns.metadata.name && labels['kubernetes.io/metadata.name'] !== ns.metadata.name) {
      ns.metadata.labels = { ...labels, 'kubernetes.io/metadata.name': ns.metadata.name };
    }
  },
  validate: (ns) => validateFinalizers(ns.spec?.finalizers, 'spec.finalizers'),
});

/** namespaceFinalizeStrategy is `namespaces/finalize`: only spec.finalizers changes (the namespace controller empties it). */
export const namespaceFinalizeStrategy: StatusStrategy = {
  prepareForUpdate(_ctx, obj, old) {
    const finalizers = (obj['spec'] as Namespace['spec'])?.finalizers;
    const next: KubeObject = { ...clone(old), metadata: { ...clone(old.metadata), managedFields: obj.metadata.managedFields ?? old.metadata.managedFields } };
    for (const k of Object.keys(obj)) delete obj[k];
    Object.assign(obj, next);
    const spec = { ...((obj['spec'] as Record<string, unknown> | undefined) ?? {}) };
    if (finalizers && finalizers.length > 0) spec['finalizers'] = [...finalizers];
    else delete spec['finalizers'];
    obj['spec'] = spec;
  },
  validateUpdate: (_ctx, obj) => validateFinalizers((obj['spec'] as Namespace['spec'])?.finalizers, 'spec.finalizers'),
};

export const namespaceTable = table(
  [nameColumn, col('Status', 'The status of the namespace'), ageColumn],
  (o, now) => [o.metadata.name ?? '', (o as unknown as Namespace).status?.phase ?? '', ageOf(o, now)],
);

export const namespaces: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'namespaces',
  singular: 'namespace',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  verbs: namespaceVerbs,
  nameValidation: 'DNS1123Label',
  strategy: namespaceStrategy,
  statusStrategy: defineStatusStrategy<Namespace>(),
  table: namespaceTable,
  fieldSelectors: { 'status.phase': (o) => (o as unknown as Namespace).status?.phase ?? '' },
  extraSubresources: [{ name: 'finalize', kind: { group: '', version: 'v1', kind: 'Namespace' }, verbs: ['update'] }],
  subresourceStrategies: { finalize: namespaceFinalizeStrategy },
};

