import { describe, expect, it } from 'vitest';
import { isBadRequest, isInvalid, StatusError } from '../errors/status.js';
import { applyJsonPatch, formatJsonPointer, jsonPatchRejectedMessage, parseJsonPointer } from './json-patch.js';

describe('applyJsonPatch (RFC 6902)', () => {
  it.each([
    { name: 'add member', doc: { a: 1 }, ops: [{ op: 'add', path: '/b', value: 2 }], want: { a: 1, b: 2 } },
    { name: 'add replaces member', doc: { a: 1 }, ops: [{ op: 'add', path: '/a', value: 2 }], want: { a: 2 } },
    { name: 'add into array', doc: { a: [1, 3] }, ops: [{ op: 'add', path: '/a/1', value: 2 }], want: { a: [1, 2, 3] } },
    { name: 'append with -', doc: { a: [1] }, ops: [{ op: 'add', path: '/a/-', value: 2 }], want: { a: [1, 2] } },
    { name: 'remove', doc: { a: 1, b: 2 }, ops: [{ op: 'remove', path: '/a' }], want: { b: 2 } },
    { name: 'remove array item', doc: { a: [1, 2, 3] }, ops: [{ op: 'remove', path: '/a/1' }], want: { a: [1, 3] } },
    { name: 'replace', doc: { a: { b: 1 } }, ops: [{ op: 'replace', path: '/a/b', value: 5 }], want: { a: { b: 5 } } },
    { name: 'replace whole doc', doc: { a: 1 }, ops: [{ op: 'replace', path: '', value: [1] }], want: [1] },
    { name: 'move', doc: { a: { b: 1 }, c: {} }, ops: [{ op: 'move', from: '/a/b', path: '/c/d' }], want: { a: {}, c: { d: 1 } } },
    { name: 'copy', doc: { a: [1] }, ops: [{ op: 'copy', from: '/a', path: '/b' }], want: { a: [1], b: [1] } },
    { name: 'test passes', doc: { a: { x: [1] } }, ops: [{ op: 'test', path: '/a', value: { x: [1] } }], want: { a: { x: [1] } } },
    { name: 'escaped pointer', doc: { 'a/b': 1, 'c~d': 2 }, ops: [{ op: 'replace', path: '/a~1b', value: 3 }, { op: 'remove', path: '/c~0d' }], want: { 'a/b': 3 } },
  ])('$name', ({ doc, ops, want }) => {
    expect(applyJsonPatch(doc, ops)).toEqual(want);
  });

  it.each([
    { name: 'replace missing key (rollout undo)', doc: { metadata: {} }, ops: [{ op: 'replace', path: '/metadata/annotations', value: {} }], msg: 'replace operation does not apply: doc is missing key: /metadata/annotations: missing value' },
    { name: 'remove missing key', doc: {}, ops: [{ op: 'remove', path: '/a' }], msg: 'remove operation does not apply: doc is missing path: "/a": missing value' },
    { name: 'add under missing parent', doc: {}, ops: [{ op: 'add', path: '/a/b', value: 1 }], msg: 'add operation does not apply: doc is missing path: "/a/b": missing value' },
    { name: 'index out of range', doc: { a: [1] }, ops: [{ op: 'replace', path: '/a/1', value: 2 }], msg: 'Unable to access invalid index: 1: invalid index referenced' },
    { name: 'test fails', doc: { a: 1 }, ops: [{ op: 'test', path: '/a', value: 2 }], msg: 'testing value /a failed: test failed' },
    { name: 'unknown op', doc: {}, ops: [{ op: 'frob', path: '/a' }], msg: 'Unexpected kind: frob' },
  ])('fails with 422 when $name', ({ doc, ops, msg }) => {
    try {
      applyJsonPatch(doc, ops);
      expect.unreachable();
    } catch (e) {
      expect(isInvalid(e)).toBe(true);
      expect((e as StatusError).message).toBe(jsonPatchRejectedMessage);
      expect((e as StatusError).status.details?.causes?.[0]?.message).toBe(msg);
    }
  });

  it('rejects a body that is not a list of operations with 400', () => {
    expect(() => applyJsonPatch({}, { op: 'add' })).toThrow(StatusError);
    try {
      applyJsonPatch({}, [{ path: '/a' }]);
    } catch (e) {
      expect(isBadRequest(e)).toBe(true);
    }
  });

  it('applies the kubectl rollout undo patch', () => {
    const deploy = { metadata: { annotations: { 'deployment.kubernetes.io/revision': '2' } }, spec: { template: { spec: { containers: [{ name: 'a', image: 'v2' }] } } } };
    const ops = [
      { op: 'replace', path: '/spec/template', value: { spec: { containers: [{ name: 'a', image: 'v1' }] } } },
      { op: 'replace', path: '/metadata/annotations', value: { 'deployment.kubernetes.io/revision': '2', 'kubernetes.io/change-cause': 'v1' } },
    ];
    expect(applyJsonPatch(deploy, ops)).toEqual({ metadata: { annotations: ops[1]?.value }, spec: { template: ops[0]?.value } });
  });

  it('round-trips JSON pointers', () => {
    expect(parseJsonPointer('/a~1b/~0c/0')).toEqual(['a/b', '~c', '0']);
    expect(formatJsonPointer(['a/b', '~c', '0'])).toBe('/a~1b/~0c/0');
    expect(parseJsonPointer('')).toEqual([]);
  });
});
