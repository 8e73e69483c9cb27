import { describe, expect, it } from 'vitest';
import { allResources } from './index.js';
import { validateDefinitionMeta } from './shared/object-meta.js';

const byName = new Map(allResources.map((r) => [`${r.group}/${r.resource}`, r]));

describe('allResources', () => {
  it('lists each group/resource once', () => {
    expect(byName.size).toBe(allResources.length);
  });

  it.each([
    ['/pods', ['po']], ['/services', ['svc']], ['apps/deployments', ['deploy']], ['apps/replicasets', ['rs']],
    ['apps/daemonsets', ['ds']], ['apps/statefulsets', ['sts']], ['/namespaces', ['ns']], ['/nodes', ['no']],
    ['/configmaps', ['cm']], ['/serviceaccounts', ['sa']], ['/endpoints', ['ep']], ['/events', ['ev']],
    ['/persistentvolumes', ['pv']], ['/persistentvolumeclaims', ['pvc']], ['autoscaling/horizontalpodautoscalers', ['hpa']],
    ['batch/cronjobs', ['cj']], ['networking.k8s.io/ingresses', ['ing']], ['policy/poddisruptionbudgets', ['pdb']],
    ['/limitranges', ['limits']], ['/resourcequotas', ['quota']], ['/replicationcontrollers', ['rc']],
    ['certificates.k8s.io/certificatesigningrequests', ['csr']], ['scheduling.k8s.io/priorityclasses', ['pc']],
    ['storage.k8s.io/storageclasses', ['sc']], ['networking.k8s.io/networkpolicies', ['netpol']],
  ])('gives %s the short names %j', (key, short) => {
    expect(byName.get(key)?.shortNames).toEqual(short);
  });

  it('puts exactly upstream\'s kinds in category all', () => {
    const all = allResources.filter((r) => r.categories?.includes('all')).map((r) => `${r.group}/${r.resource}`).sort();
    expect(all).toEqual([
      '/pods', '/replicationcontrollers', '/services', 'apps/daemonsets', 'apps/deployments', 'apps/replicasets', 'apps/statefulsets',
      'autoscaling/horizontalpodautoscalers', 'batch/cronjobs', 'batch/jobs',
    ]);
  });

  it('gives every resource a Name column and a row as wide as its columns', () => {
    for (const r of allResources) {
      const obj = { metadata: { name: 'x', namespace: 'default', creationTimestamp: '2024-05-01T11:00:00Z' } };
      const row = r.table.row(obj, new Date('2024-05-01T12:00:00Z'));
      expect(row, r.resource).toHaveLength(r.table.columns.length);
      expect(r.table.columns.some((c) => c.name === 'Name' && c.format === 'name'), r.resource).toBe(true);
    }
  });

  it('marks the review kinds virtual and create-only', () => {
    const virtual = allResources.filter((r) => r.virtual).map((r) => r.kind).sort();
    expect(virtual).toEqual(['LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectReview', 'SelfSubjectRulesReview', 'SubjectAccessReview', 'TokenReview']);
    for (const r of allResources.filter((d) => d.virtual)) expect(r.verbs).toEqual(['create']);
  });

  it('validates names with each kind\'s rule', () => {
    const ns = byName.get('/namespaces')!;
    const svc = byName.get('/services')!;
    const cm = byName.get('/configmaps')!;
    expect(validateDefinitionMeta(ns, { metadata: { name: 'a.b' } }).map((e) => e.field)).toEqual(['metadata.name']);
    expect(validateDefinitionMeta(svc, { metadata: { name: '1web', namespace: 'default' } }).map((e) => e.field)).toEqual(['metadata.name']);
    expect(validateDefinitionMeta(cm, { metadata: { name: 'a.b', namespace: 'default' } })).toEqual([]);
  });

  it('serves HPA at v2 first and converts to v1', () => {
    const hpa = byName.get('autoscaling/horizontalpodautoscalers')!;
    expect(hpa.versions).toEqual(['v2', 'v1']);
    expect(hpa.convert).toBeDefined();
  });
});
