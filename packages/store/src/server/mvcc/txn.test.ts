import { describe, expect, it } from 'vitest';
import { MvccStore } from './mvcc-store.js';
import { checkTxnRequest, executeTxn, isTxnReadOnly, type TxnEnv } from './txn.js';
import type { TxnRequest } from './types.js';

function setup(): { s: MvccStore; env: TxnEnv; run: (t: TxnRequest) => ReturnType<typeof executeTxn> } {
  const s = new MvccStore();
  const env: TxnEnv = { store: s, leaseExists: (id) => id === 7n };
  const run = (t: TxnRequest) => {
    checkTxnRequest(t, 128);
    const w = isTxnReadOnly(t) ? undefined : s.beginWrite();
    const res = executeTxn(env, t, w);
    s.visibleRev = s.currentRev;
    return res;
  };
  run({ success: [{ requestPut: { key: 'a', value: Buffer.from('x') } }] }); // rev 2
  run({ success: [{ requestPut: { key: 'b', value: Buffer.from('y'), lease: 7n } }] }); // rev 3
  return { s, env, run };
}

describe('txn', () => {
  it.each([
    { name: 'version equal', c: { key: 'a', target: 'VERSION', result: 'EQUAL', version: 1 }, ok: true },
    { name: 'create greater', c: { key: 'a', target: 'CREATE', result: 'GREATER', createRevision: 1 }, ok: true },
    { name: 'mod less', c: { key: 'a', target: 'MOD', result: 'LESS', modRevision: 2 }, ok: false },
    { name: 'value not equal', c: { key: 'a', target: 'VALUE', result: 'NOT_EQUAL', value: Buffer.from('z') }, ok: true },
    { name: 'lease equal', c: { key: 'b', target: 'LEASE', result: 'EQUAL', lease: 7n }, ok: true },
    { name: 'missing key has create 0', c: { key: 'nope', target: 'CREATE', result: 'EQUAL', createRevision: 0 }, ok: true },
    { name: 'missing key never matches a value', c: { key: 'nope', target: 'VALUE', result: 'EQUAL' }, ok: false },
    { name: 'range: every key must match', c: { key: 'a', rangeEnd: 'c', target: 'MOD', result: 'LESS', modRevision: 3 }, ok: false },
    { name: 'range: all match', c: { key: 'a', rangeEnd: 'c', target: 'MOD', result: 'LESS', modRevision: 4 }, ok: true },
  ] as const)('evaluates compare: $name', ({ c, ok }) => {
    const { run } = setup();
    expect(run({ compare: [c] }).succeeded).toBe(ok);
  });

  it('shares one revision across all writes and lets later ops read earlier ones', () => {
    const { s, run } = setup();
    const res = run({
      success: [
        { requestPut: { key: 'c', value: Buffer.from('1') } },
        { requestDeleteRange: { key: 'a' } },
        { requestRange: { key: 'c' } },
      ],
    });
    expect(res.revision).toBe(4);
    expect(s.currentRev).toBe(4);
    const range = res.responses[2] as { range: { kvs: Array<{ modRevision: number }>; revision: number } };
    expect(range.range.kvs.map((kv) => kv.modRevision)).toEqual([4]);
    expect(range.range.revision).toBe(4);
  });

  it('does not bump the revision for a txn that only reads or takes a read-only branch', () => {
    const { s, run } = setup();
    const res = run({
      compare: [{ key: 'a', target: 'VERSION', result: 'EQUAL', version: 9 }],
      success: [{ requestPut: { key: 'a', value: Buffer.from('n') } }],
      failure: [{ requestRange: { key: 'a' } }],
    });
    expect([res.succeeded, res.revision, s.currentRev]).toEqual([false, 3, 3]);
  });

  it('reports, per op, the revision as of that op: the start revision until the txn has written', () => {
    const { run } = setup();
    const res = run({ success: [{ requestRange: { key: 'a' } }, { requestDeleteRange: { key: 'b' } }, { requestRange: { key: 'a' } }] });
    const revs = res.responses.map((r) => ('range' in r ? r.range.revision : 'deleteRange' in r ? r.deleteRange.revision : 0));
    expect([revs, res.revision]).toEqual([[3, 4, 4], 4]);
  });

  it('decides nested compares on the state before the txn', () => {
    const { run } = setup();
    const res = run({
      success: [
        { requestPut: { key: 'n', value: Buffer.from('1') } },
        { requestTxn: { compare: [{ key: 'n', target: 'VERSION', result: 'EQUAL', version: 0 }], success: [{ requestRange: { key: 'n' } }] } },
      ],
    });
    const nested = res.responses[1] as { txn: { succeeded: boolean } };
    expect(nested.txn.succeeded).toBe(true);
  });

  it('rejects a txn that writes one key twice or puts inside its own delete range', () => {
    const { run } = setup();
    const twice = { success: [{ requestPut: { key: 'a' } }, { requestPut: { key: 'a' } }] };
    expect(() => run(twice)).toThrow(/duplicate key/);
    const inDelete = { success: [{ requestDeleteRange: { key: 'a', rangeEnd: 'z' } }, { requestPut: { key: 'b' } }] };
    expect(() => run(inDelete)).toThrow(/duplicate key/);
    const branches = { success: [{ requestPut: { key: 'a' } }], failure: [{ requestPut: { key: 'a' } }] };
    expect(() => run(branches)).not.toThrow();
  });

  it('fails as a whole, changing nothing, when a put names an unknown lease', () => {
    const { s, run } = setup();
    const t = { success: [{ requestPut: { key: 'x' } }, { requestPut: { key: 'y', lease: 99n } }] };
    expect(() => run(t)).toThrow(/lease not found/);
    expect(s.currentRev).toBe(3);
    expect(s.range({ key: 'x' }).count).toBe(0);
  });

  it('rejects empty keys, empty ops and too many ops', () => {
    const { run } = setup();
    expect(() => run({ compare: [{ key: '' }] })).toThrow(/key is not provided/);
    expect(() => run({ success: [{}] })).toThrow(/key not found/);
    const many = { success: Array.from({ length: 129 }, (_, i) => ({ requestRange: { key: `k${i}` } })) };
    expect(() => run(many)).toThrow(/too many operations/);
  });
});
