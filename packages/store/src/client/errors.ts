/**
 * Errors of the etcd client. The gateway answers a failed call with an HTTP status and a body
 * `{"error": msg, "message": msg, "code": grpcCode}`; the client turns it into an EtcdError. Callers
 * branch on the predicates below, which compare the gRPC code and etcd's fixed error text (etcd's
 * own clientv3 does the same: the text is part of the protocol).
 */

/** GrpcCode holds the gRPC status codes etcd uses. */
export const GrpcCode = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;

/** The messages etcd sends for the conditions the predicates recognise. */
export const errCompacted = 'etcdserver: mvcc: required revision has been compacted';
export const errFutureRevision = 'etcdserver: mvcc: required revision is a future revision';
export const errLeaseNotFound = 'etcdserver: requested lease not found';

/** EtcdError is a failed etcd call: gRPC code, server message, and HTTP status (0 if none arrived). */
export class EtcdError extends Error {
  override readonly name = 'EtcdError';
  readonly code: number;
  readonly httpStatus: number;
  /** For a watch canceled by compaction: the store's compacted revision. */
  readonly compactRevision: number;

  constructor(code: number, message: string, opts: { httpStatus?: number; compactRevision?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.httpStatus = opts.httpStatus ?? 0;
    this.compactRevision = opts.compactRevision ?? 0;
  }
}

/** isEtcdError reports whether err is an EtcdError, optionally with the given gRPC code. */
export function isEtcdError(err: unknown, code?: number): err is EtcdError {
  return err instanceof EtcdError && (code === undefined || err.code === code);
}

/** isCompacted reports whether a read or watch asked for a revision that compaction removed. */
export function isCompacted(err: unknown): boolean {
  return isEtcdError(err, GrpcCode.OutOfRange) && err.message.includes('required revision has been compacted');
}

/** isFutureRevision reports whether a read asked for a revision the store has not reached. */
export function isFutureRevision(err: unknown): boolean {
  return isEtcdError(err, GrpcCode.OutOfRange) && err.message.includes('required revision is a future revision');
}

/** isLeaseNotFound reports whether the lease named in the call does not exist (or has expired). */
export function isLeaseNotFound(err: unknown): boolean {
  return isEtcdError(err, GrpcCode.NotFound) && err.message.includes('requested lease not found');
}

/** isUnavailable reports whether the store could not be reached or the connection broke. */
export function isUnavailable(err: unknown): boolean {
  return isEtcdError(err, GrpcCode.Unavailable);
}

/** errorFromBody builds the EtcdError for a non-200 answer, whatever its body looks like. */
export function errorFromBody(httpStatus: number, body: string): EtcdError {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed !== null && typeof parsed === 'object') {
      // Unary errors are flat; errors inside a stream come as {"error": {grpc_code, message, ...}}.
      const o = parsed as Record<string, unknown>;
      const inner = o.error !== null && typeof o.error === 'object' ? (o.error as Record<string, unknown>) : o;
      const code = Number(inner.code ?? inner.grpc_code ?? GrpcCode.Unknown);
      const message = String(inner.message ?? inner.error ?? body);
      return new EtcdError(Number.isInteger(code) ? code : GrpcCode.Unknown, message, { httpStatus });
    }
  } catch {
    // Not JSON (e.g. a plain-text 404 or 405 from the HTTP mux): fall through.
  }
  return new EtcdError(codeForHttpStatus(httpStatus), body.trim() || `HTTP ${httpStatus}`, { httpStatus });
}

function codeForHttpStatus(status: number): number {
  if (status === 404) return GrpcCode.Unimplemented;
  if (status === 413 || status === 429) return GrpcCode.ResourceExhausted;
  if (status >= 400 && status < 500) return GrpcCode.InvalidArgument;
  if (status === 503) return GrpcCode.Unavailable;
  return GrpcCode.Unknown;
}
