import { describe, expect, it } from 'vitest';
import { parseLabels, parseTaints } from './flags.js';

describe('kubelet list flags', () => {
  it('parses labels with empty values', () => {
    expect(parseLabels('node-role.kubernetes.io/control-plane=,zone=a')).toEqual({ 'node-role.kubernetes.io/control-plane': '', zone: 'a' });
  });

  it('parses taints with and without values', () => {
    expect(parseTaints('node-role.kubernetes.io/control-plane:NoSchedule,dedicated=gpu:NoExecute')).toEqual([
      { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
      { key: 'dedicated', value: 'gpu', effect: 'NoExecute' },
    ]);
  });

  it('rejects a taint without a known effect', () => {
    expect(() => parseTaints('a=b')).toThrow(/invalid taint spec "a=b"/);
  });
});
