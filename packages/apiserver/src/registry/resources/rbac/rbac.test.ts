import { describe, expect, it } from 'vitest';
import { validateDefinitionMeta } from '../shared/object-meta.js';
import { messages, runCreate, runUpdate } from '../shared/testing.js';
import { clusterrolebindings } from './clusterrolebindings/index.js';
import { clusterroles } from './clusterroles/index.js';
import { rolebindings } from './rolebindings/index.js';
import { roles } from './roles/index.js';

const now = new Date('2024-05-01T12:00:00Z');

describe('rbac', () => {
  it('validates role rules with upstream messages', () => {
    const { errors } = runCreate(roles, {
      metadata: { name: 'r', namespace: 'default' },
      rules: [{ resources: ['pods'] }, { verbs: ['get'], nonResourceURLs: ['/healthz'] }],
    });
    expect(messages(errors)).toEqual([
      'rules[0].verbs: Required value: verbs must contain at least one value',
      'rules[0].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[1].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs',
    ]);
  });

  it('accepts system: names for cluster roles', () => {
    expect(validateDefinitionMeta(clusterroles, { metadata: { name: 'system:controller:job-controller' } })).toEqual([]);
    expect(runCreate(clusterroles, { metadata: { name: 'view' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }).errors).toEqual([]);
  });

  it('defaults subject api groups, validates subjects and keeps roleRef immutable', () => {
    const { obj, errors } = runCreate(rolebindings, {
      metadata: { name: 'rb', namespace: 'default' },
      roleRef: { kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'User', name: 'jane' }, { kind: 'ServiceAccount', name: 'default', namespace: 'default' }],
    });
    expect(errors).toEqual([]);
    expect(obj).toMatchObject({ roleRef: { apiGroup: 'rbac.authorization.k8s.io' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io' }, { kind: 'ServiceAccount' }] });
    const changed = { ...structuredClone(obj), roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'other' } };
    expect(messages(runUpdate(rolebindings, changed, obj).errors)).toEqual([
      'roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"other"}: cannot change roleRef',
    ]);
    obj.metadata.creationTimestamp = '2024-05-01T11:59:00Z';
    expect(rolebindings.table.row(obj, now)).toEqual(['rb', 'Role/pod-reader', '60s', 'jane', '', 'default:default']);
  });

  it('allows only ClusterRole refs and namespaced service accounts in cluster role bindings', () => {
    const { errors } = runCreate(clusterrolebindings, {
      metadata: { name: 'crb' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'x' },
      subjects: [{ kind: 'ServiceAccount', name: 'default' }],
    });
    expect(messages(errors)).toEqual([
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[0].namespace: Required value',
    ]);
  });

  it('prints roles with Created At', () => {
    expect(roles.table.columns.map((c) => c.name)).toEqual(['Name', 'Created At']);
    expect(roles.table.row({ metadata: { name: 'r', creationTimestamp: '2024-05-01T11:59:00Z' } }, now)).toEqual(['r', '2024-05-01T11:59:00Z']);
  });
});
