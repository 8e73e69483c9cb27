import { describe, expect, it } from 'vitest';
import { labTopology, nodeDirOf } from './topology.js';

describe('labTopology', () => {
  it("is the Vagrant lab's network by default", () => {
    const t = labTopology();
    expect(t.hostIP).toBe('192.168.56.1');
    expect(t.bridge).toBe('nklab0');
    expect(t.forwardChain).toBe('NK-LAB-FORWARD');
    expect(t.nodes.map((n) => [n.name, n.ip, n.role, n.netns, n.hostVeth])).toEqual([
      ['master', '192.168.56.10', 'control-plane', 'master', 'nklab-v0'],
      ['worker01', '192.168.56.101', 'worker', 'worker01', 'nklab-v1'],
      ['worker02', '192.168.56.102', 'worker', 'worker02', 'nklab-v2'],
      ['worker03', '192.168.56.103', 'worker', 'worker03', 'nklab-v3'],
    ]);
  });

  it('derives every name from a prefix, within the 15-character link name limit', () => {
    const t = labTopology({ prefix: 'nkt1a2b3-', workers: 1 });
    expect(t.bridge).toBe('nkt1a2b30');
    expect(t.forwardChain).toBe('NKT1A2B3-LAB-FWD');
    expect(t.nodes.map((n) => n.netns)).toEqual(['nkt1a2b3-master', 'nkt1a2b3-worker01']);
    expect(t.nodes.map((n) => n.cgroupParent)).toEqual(['nanokube-lab-nkt1a2b3-master', 'nanokube-lab-nkt1a2b3-worker01']);
    for (const name of [t.bridge, ...t.nodes.map((n) => n.hostVeth)]) expect(name.length).toBeLessThanOrEqual(15);
  });

  it('rejects prefixes that could not name links or namespaces', () => {
    expect(() => labTopology({ prefix: 'way-too-long-prefix' })).toThrow(/at most 9/);
    expect(() => labTopology({ prefix: 'a/b' })).toThrow(/at most 9/);
  });

  it('puts each node in a folder of its own', () => {
    expect(nodeDirOf('/var/lib/nanokube/lab/', 'worker01')).toBe('/var/lib/nanokube/lab/worker01');
  });
});
