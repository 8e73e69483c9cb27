import { describe, expect, it } from 'vitest';
import { decodeEvent, decodeKv, decodeRange, decodeTxn, encodePut, encodeRange, encodeTxn, encodeWatchCreate, num, prefixEnd } from './codec.js';
import { EtcdError, GrpcCode, errorFromBody, isCompacted, isFutureRevision, isLeaseNotFound } from './errors.js';

const b = (s: string) => Buffer.from(s).toString('base64');

describe('prefixEnd', () => {
  it('increments the last byte below 0xff', () => {
    expect(prefixEnd('/registry/pods/')).toEqual(Buffer.from('/registry/pods0'));
  });
  it('drops trailing 0xff bytes and increments the one before', () => {
    expect(prefixEnd(Buffer.from([0x61, 0xff, 0xff]))).toEqual(Buffer.from([0x62]));
  });
  it('is "\\0" (no upper bound) for an empty or all-0xff prefix', () => {
    expect(prefixEnd('')).toEqual(Buffer.from([0]));
    expect(prefixEnd(Buffer.from([0xff]))).toEqual(Buffer.from([0]));
  });
});

describe('encoders', () => {
  it('encodes a range with base64 keys, string int64s and no zero fields', () => {
    expect(encodeRange('/a/', { prefix: true, limit: 10, revision: 0, keysOnly: true, sortOrder: 'DESCEND', sortTarget: 'MOD' })).toEqual({
      key: b('/a/'),
      range_end: b('/a0'),
      limit: '10',
      keys_only: true,
      sort_order: 'DESCEND',
      sort_target: 'MOD',
    });
  });
  it('encodes fromKey as range_end "\\0" and rejects two range selectors', () => {
    expect(encodeRange('k', { fromKey: true }).range_end).toBe('AA==');
    expect(() => encodeRange('k', { fromKey: true, prefix: true })).toThrow(TypeError);
  });
  it('encodes a put with lease and prev_kv, and bytes keys untouched', () => {
    expect(encodePut(new Uint8Array([0, 255]), 'v', { lease: '7587', prevKv: true })).toEqual({
      key: 'AP8=',
      value: b('v'),
      lease: '7587',
      prev_kv: true,
    });
  });
  it('encodes txn compares the way proto3 JSON does (EQUAL, VERSION and 0 omitted)', () => {
    const wire = encodeTxn({
      compare: [
        { key: 'k', target: 'CREATE', result: 'EQUAL', createRevision: 0 },
        { key: 'k', target: 'MOD', result: 'LESS', modRevision: 5 },
        { key: 'k', target: 'VERSION', result: 'GREATER', version: 2 },
        { key: 'k', target: 'VALUE', result: 'NOT_EQUAL', value: 'x' },
        { key: 'k', target: 'LEASE', result: 'EQUAL', lease: '9' },
      ],
      success: [{ put: { key: 'k', value: 'v' } }, { txn: { success: [{ range: { key: 'k' } }] } }],
      failure: [{ deleteRange: { key: 'k', prefix: true, prevKv: true } }],
    });
    expect(wire).toEqual({
      compare: [
        { key: b('k'), target: 'CREATE' },
        { key: b('k'), target: 'MOD', result: 'LESS', mod_revision: '5' },
        { key: b('k'), result: 'GREATER', version: '2' },
        { key: b('k'), target: 'VALUE', result: 'NOT_EQUAL', value: b('x') },
        { key: b('k'), target: 'LEASE', lease: '9' },
      ],
      success: [
        { request_put: { key: b('k'), value: b('v') } },
        { request_txn: { success: [{ request_range: { key: b('k') } }] } },
      ],
      failure: [{ request_delete_range: { key: b('k'), range_end: b('l'), prev_kv: true } }],
    });
  });
  it('encodes a watch create request', () => {
    expect(encodeWatchCreate({ key: 'a', prefix: true, startRevision: 3, prevKv: true, watchId: 0, filters: ['NOPUT'] })).toEqual({
      create_request: { key: b('a'), range_end: b('b'), start_revision: '3', prev_kv: true, filters: ['NOPUT'] },
    });
  });
  it('rejects revisions that are not safe integers', () => {
    expect(() => encodeRange('k', { revision: 2 ** 53 })).toThrow(TypeError);
  });
});

describe('decoders', () => {
  it('decodes a kv, defaulting omitted fields and keeping the lease as a string', () => {
    expect(decodeKv({ key: b('k'), create_revision: '2', mod_revision: '3', version: '2', lease: '2324035535190389778' })).toEqual({
      key: Buffer.from('k'),
      value: Buffer.alloc(0),
      createRevision: 2,
      modRevision: 3,
      version: 2,
      lease: '2324035535190389778',
    });
  });
  it('decodes a range response with omitted kvs, more and count', () => {
    const r = decodeRange({ header: { cluster_id: '1', member_id: '2', revision: '3', raft_term: '4' } });
    expect(r).toEqual({ header: { clusterId: '1', memberId: '2', revision: 3, raftTerm: 4 }, kvs: [], more: false, count: 0 });
  });
  it('decodes txn responses by op name and a failed txn as succeeded=false', () => {
    const t = decodeTxn({
      header: { revision: '5' },
      responses: [{ response_range: { header: { revision: '5' }, kvs: [{ key: b('k') }], count: '1' } }, { response_delete_range: {} }],
    });
    expect(t.succeeded).toBe(false);
    expect(t.responses.map((r) => Object.keys(r)[0])).toEqual(['range', 'deleteRange']);
  });
  it('decodes PUT (type omitted) and DELETE events', () => {
    expect(decodeEvent({ kv: { key: b('k'), mod_revision: '4' } }).type).toBe('PUT');
    const del = decodeEvent({ type: 'DELETE', kv: { key: b('k'), mod_revision: '5' }, prev_kv: { key: b('k'), value: b('v') } });
    expect(del.type).toBe('DELETE');
    expect(del.prevKv?.value.toString()).toBe('v');
  });
  it('rejects int64s past 2^53 instead of rounding them', () => {
    expect(num('42')).toBe(42);
    expect(() => num('9007199254740993')).toThrow(TypeError);
  });
});

describe('errors', () => {
  it('turns the gateway error body into an EtcdError the predicates recognise', () => {
    const body = JSON.stringify({ error: 'etcdserver: mvcc: required revision has been compacted', message: 'etcdserver: mvcc: required revision has been compacted', code: 11 });
    const err = errorFromBody(400, body);
    expect(err).toBeInstanceOf(EtcdError);
    expect(err.code).toBe(GrpcCode.OutOfRange);
    expect(err.httpStatus).toBe(400);
    expect(isCompacted(err)).toBe(true);
    expect(isFutureRevision(err)).toBe(false);
  });
  it('reads stream errors and plain-text bodies', () => {
    const streamErr = errorFromBody(200, JSON.stringify({ error: { grpc_code: 5, message: 'etcdserver: requested lease not found' } }));
    expect(isLeaseNotFound(streamErr)).toBe(true);
    const plain = errorFromBody(404, 'Not Found\n');
    expect(plain.code).toBe(GrpcCode.Unimplemented);
    expect(plain.message).toBe('Not Found');
  });
});
