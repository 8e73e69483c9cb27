import type { StoreEngine } from '../engine.js';
import type { DeleteRangeRequest, PutRequest, RangeRequest, TxnRequest } from '../mvcc/types.js';
import { schemas, type MessageSchema } from './decode.js';
import type { Encoder } from './encode.js';
import { putSize, txnSize } from './size.js';

/** UnaryRoute is one request/response gateway call: its request schema and what it runs. */
export interface UnaryRoute {
  schema: MessageSchema;
  /** run answers a decoded request with the response body; it throws RpcErrors. */
  run(msg: never): string | Promise<string>;
}

/** UnaryRouteDeps are what the unary calls need. */
export interface UnaryRouteDeps {
  engine: StoreEngine;
  encoder: Encoder;
  /** checkSize rejects a write whose (protobuf) size is over the configured limits. */
  checkSize(bytes: number): void;
}

/** unaryRoutes maps each unary gateway path to its route (etcd 3.4 paths, plus the old lease ones). */
export function unaryRoutes({ engine, encoder, checkSize }: UnaryRouteDeps): Map<string, UnaryRoute> {
  const route = <T>(schema: MessageSchema, run: (msg: T) => string | Promise<string>): UnaryRoute => ({
    schema,
    run: run as UnaryRoute['run'],
  });
  const revoke = route(schemas.leaseId, async (r: { ID?: bigint }) =>
    encoder.headerOnly((await engine.leaseRevoke(r.ID ?? 0n)).revision),
  );
  const timeToLive = route(schemas.leaseTimeToLive, (r: { ID?: bigint; keys?: boolean }) =>
    encoder.leaseTimeToLive(engine.leaseTimeToLive(r.ID ?? 0n, r.keys === true)),
  );
  const leases = route({}, () => encoder.leaseLeases(engine.leaseLeases()));
  return new Map([
    ['/v3/kv/range', route(schemas.range, (r: RangeRequest) => encoder.range(engine.range(r)))],
    [
      '/v3/kv/put',
      route(schemas.put, async (r: PutRequest) => {
        checkSize(putSize(r));
        return encoder.put(await engine.put(r));
      }),
    ],
    [
      '/v3/kv/deleterange',
      route(schemas.deleteRange, async (r: DeleteRangeRequest) => encoder.deleteRange(await engine.deleteRange(r))),
    ],
    [
      '/v3/kv/txn',
      route(schemas.txn, async (r: TxnRequest) => {
        checkSize(txnSize(r));
        return encoder.txn(await engine.txn(r));
      }),
    ],
    [
      '/v3/kv/compaction',
      route(schemas.compaction, async (r: { revision?: number }) =>
        encoder.headerOnly((await engine.compact(r.revision ?? 0)).revision),
      ),
    ],
    [
      '/v3/lease/grant',
      route(schemas.leaseGrant, async (r: { TTL?: number; ID?: bigint }) =>
        encoder.leaseGrant(await engine.leaseGrant(r.TTL ?? 0, r.ID ?? 0n)),
      ),
    ],
    ['/v3/lease/revoke', revoke],
    ['/v3/lease/timetolive', timeToLive],
    ['/v3/lease/leases', leases],
    ['/v3/kv/lease/revoke', revoke],
    ['/v3/kv/lease/timetolive', timeToLive],
    ['/v3/kv/lease/leases', leases],
    ['/v3/maintenance/status', route({}, () => statusBody(engine, encoder))],
  ]);
}

/** statusBody renders a StatusResponse; a single member is its own leader and raft is the revision. */
async function statusBody(engine: StoreEngine, encoder: Encoder): Promise<string> {
  const size = await engine.dbSize();
  const rev = engine.revision;
  return (
    `{"header":${encoder.header(rev)},"version":"${encoder.version}","dbSize":"${size}","leader":"${engine.memberId}",` +
    `"raftIndex":"${rev}","raftTerm":"2","raftAppliedIndex":"${rev}","dbSizeInUse":"${size}"}`
  );
}
