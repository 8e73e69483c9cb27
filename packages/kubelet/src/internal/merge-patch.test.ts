import { applyMergePatch } from '@nanokube/api';
import { describe, expect, it } from 'vitest';
import { createMergePatch } from './merge-patch.js';

describe('createMergePatch', () => {
  it('clears a container state that is replaced by another one', () => {
    const from = { phase: 'Pending', containerStatuses: [{ name: 'c' }], state: { waiting: { reason: 'ContainerCreating' } } };
    const to = { phase: 'Running', containerStatuses: [{ name: 'c', ready: true }], state: { running: { startedAt: 't' } } };
    const patch = createMergePatch(from, to);
    expect(patch).toEqual({ phase: 'Running', containerStatuses: [{ name: 'c', ready: true }], state: { waiting: null, running: { startedAt: 't' } } });
    expect(applyMergePatch(from, patch)).toEqual(to);
  });

  it('returns an empty patch for equal objects', () => {
    expect(createMergePatch({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual({});
  });
});
