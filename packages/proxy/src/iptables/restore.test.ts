import { describe, expect, it } from 'vitest';
import { newEndpoint, newServicePort } from '../__tests__/builders.js';
import { buildRestore, parseSavedChains } from './restore.js';
import { generateRules } from './rules.js';

const web = newServicePort('default', 'web', '10.96.0.50');
const api = newServicePort('default', 'api', '10.96.0.60');

describe('buildRestore', () => {
  it('writes every chain on a full sync and nothing when nothing changed', () => {
    const rules = generateRules([{ port: web, endpoints: [newEndpoint('10.244.1.2')] }]);
    const full = buildRestore(rules);
    expect(full.text).toMatch(/^\*filter\n:KUBE-NODEPORTS - \[0:0\]\n/);
    expect(full.text).toContain('\nCOMMIT\n*nat\n');
    expect(full.written).toBe(rules.filter.size + rules.nat.size);
    expect(buildRestore(rules, { previous: rules })).toEqual({ text: '', written: 0, deleted: 0 });
  });

  it('rewrites only the chains of the service whose endpoints changed', () => {
    const before = generateRules([
      { port: web, endpoints: [newEndpoint('10.244.1.2')] },
      { port: api, endpoints: [newEndpoint('10.244.1.3')] },
    ]);
    const after = generateRules([
      { port: web, endpoints: [newEndpoint('10.244.1.2'), newEndpoint('10.244.2.2')] },
      { port: api, endpoints: [newEndpoint('10.244.1.3')] },
    ]);
    const partial = buildRestore(after, { previous: before });
    const declared = partial.text.split('\n').filter((l) => l.startsWith(':'));
    // web's SVC chain and its new SEP chain; KUBE-SERVICES and api's chains are untouched.
    expect(declared).toHaveLength(2);
    expect(declared.every((l) => /^:KUBE-(SVC|SEP)-/.test(l))).toBe(true);
    expect(partial.text).not.toContain('*filter');
    expect(partial.text).not.toContain('api');
  });

  it('deletes the chains of a removed service after flushing them', () => {
    const before = generateRules([{ port: web, endpoints: [newEndpoint('10.244.1.2')] }]);
    const after = generateRules([]);
    const partial = buildRestore(after, { previous: before });
    const stale = [...before.nat.keys()].filter((c) => /^KUBE-(SVC|SEP)-/.test(c));
    for (const chain of stale) {
      expect(partial.text).toContain(`:${chain} - [0:0]\n`);
      expect(partial.text).toContain(`-X ${chain}\n`);
    }
    expect(partial.deleted).toBe(stale.length);
    expect(partial.text).toContain(':KUBE-SERVICES - [0:0]');
  });

  it('deletes stale service chains found in the kernel on a full sync, and leaves foreign chains alone', () => {
    const rules = generateRules([]);
    const existing = { filter: new Set(['KUBE-FIREWALL']), nat: new Set(['KUBE-SVC-AAAAAAAAAAAAAAAA', 'KUBE-KUBELET-CANARY', 'DOCKER']) };
    const full = buildRestore(rules, { existing });
    expect(full.text).toContain('-X KUBE-SVC-AAAAAAAAAAAAAAAA\n');
    expect(full.text).not.toContain('KUBE-KUBELET-CANARY');
    expect(full.text).not.toContain('DOCKER');
    expect(full.text).not.toContain('KUBE-FIREWALL');
  });
});

describe('parseSavedChains', () => {
  it('lists the chains of each table', () => {
    const save = '# Generated\n*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n';
    const tables = parseSavedChains(save);
    expect([...(tables.get('nat') ?? [])]).toEqual(['PREROUTING', 'KUBE-SERVICES']);
    expect([...(tables.get('filter') ?? [])]).toEqual(['INPUT']);
  });
});
