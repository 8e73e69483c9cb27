/**
 * Errors of the store server, as etcd reports them: a gRPC status code plus etcd's own message text
 * (`etcdserver: mvcc: required revision has been compacted`), so that clients written for etcd, which
 * branch on those messages, work unchanged against nanokube.
 */

/** gRPC status codes used by etcd's v3 API. */
export const GrpcCode = {
  Unknown: 2,
  InvalidArgument: 3,
  NotFound: 5,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  OutOfRange: 11,
  Internal: 13,
  Unavailable: 14,
} as const;

/** One of the {@link GrpcCode} values. */
export type GrpcCodeValue = (typeof GrpcCode)[keyof typeof GrpcCode];

const brand = Symbol.for('nanokube.error.RpcError');

/** RpcError is an error the store answers with: a gRPC code and etcd's message text. */
export class RpcError extends Error {
  override readonly name = 'RpcError';
  constructor(
    readonly code: GrpcCodeValue,
    message: string,
  ) {
    super(message);
  }

  get [brand](): true {
    return true;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}

const invalid = (message: string) => (): RpcError => new RpcError(GrpcCode.InvalidArgument, message);

/** errCompacted: the requested revision is older than the compacted revision. */
export const errCompacted = (): RpcError =>
  new RpcError(GrpcCode.OutOfRange, 'etcdserver: mvcc: required revision has been compacted');
/** errFutureRevision: the requested revision is newer than the current revision. */
export const errFutureRevision = (): RpcError =>
  new RpcError(GrpcCode.OutOfRange, 'etcdserver: mvcc: required revision is a future revision');
/** errLeaseNotFound: the lease does not exist (or has expired). */
export const errLeaseNotFound = (): RpcError =>
  new RpcError(GrpcCode.NotFound, 'etcdserver: requested lease not found');
/** errLeaseExists: a lease with the requested ID already exists. */
export const errLeaseExists = (): RpcError =>
  new RpcError(GrpcCode.FailedPrecondition, 'etcdserver: lease already exists');
/** errLeaseTTLTooLarge: the requested TTL is above etcd's maximum. */
export const errLeaseTTLTooLarge = (): RpcError =>
  new RpcError(GrpcCode.OutOfRange, 'etcdserver: too large lease TTL');
export const errEmptyKey = invalid('etcdserver: key is not provided');
export const errKeyNotFound = invalid('etcdserver: key not found');
export const errValueProvided = invalid('etcdserver: value is provided');
export const errLeaseProvided = invalid('etcdserver: lease is provided');
export const errDuplicateKey = invalid('etcdserver: duplicate key given in txn request');
export const errTooManyOps = invalid('etcdserver: too many operations in txn request');
export const errRequestTooLarge = invalid('etcdserver: request is too large');
/** errMessageTooLarge: the request is over gRPC's receive limit (max request bytes + 512 KiB). */
export const errMessageTooLarge = (size: number, limit: number): RpcError =>
  new RpcError(GrpcCode.ResourceExhausted, `grpc: received message larger than max (${size} vs. ${limit})`);
/** errStopped: the store is shutting down or failed to persist a write and accepts no more. */
export const errStopped = (): RpcError => new RpcError(GrpcCode.Unavailable, 'etcdserver: server stopped');

/** isRpcError reports whether err is an {@link RpcError}. */
export function isRpcError(err: unknown): err is RpcError {
  return err instanceof RpcError;
}
