import { describe, expect, it } from 'vitest';
import { enabledDescriptors, newControllerDescriptors, unknownControllers } from './descriptors.js';
import type { ControllerDescriptor } from './shared/index.js';

const d = (name: string, aliases: string[] = [], disabledByDefault = false): ControllerDescriptor => ({
  name,
  aliases,
  disabledByDefault,
  create: () => ({ run: async () => undefined }),
});
const all = [d('deployment-controller', ['deployment']), d('replicaset-controller', ['replicaset']), d('bootstrap-signer-controller', ['bootstrapsigner'], true)];
const names = (ds: ControllerDescriptor[]): string[] => ds.map((x) => x.name);

describe('enabledDescriptors', () => {
  it('enables the defaults with *', () => {
    expect(names(enabledDescriptors(all, ['*']))).toEqual(['deployment-controller', 'replicaset-controller']);
  });

  it('disables with -name and enables disabled-by-default controllers by name or alias', () => {
    expect(names(enabledDescriptors(all, ['*', '-deployment', 'bootstrapsigner']))).toEqual(['replicaset-controller', 'bootstrap-signer-controller']);
    expect(names(enabledDescriptors(all, ['replicaset-controller']))).toEqual(['replicaset-controller']);
  });

  it('reports names that match no controller', () => {
    expect(unknownControllers(all, ['*', '-deployment', 'nope'])).toEqual(['nope']);
  });

  it('knows every controller under a unique upstream name', () => {
    const known = names(newControllerDescriptors());
    expect(new Set(known).size).toBe(known.length);
    expect(known).toEqual(expect.arrayContaining(['deployment-controller', 'replicaset-controller', 'garbage-collector-controller', 'namespace-controller', 'node-lifecycle-controller', 'node-ipam-controller', 'serviceaccount-controller']));
  });
});
