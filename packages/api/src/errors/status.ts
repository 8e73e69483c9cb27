/**
 * The Kubernetes `Status` object and the StatusError family, modelled on apimachinery's
 * pkg/api/errors: factories fill code, reason and details with upstream's wording so kubectl prints
 * familiar text; callers branch on predicates, never on message text.
 */

/** Kubernetes StatusReason values used by nanokube (verbatim upstream strings). */
export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'ServerTimeout';

/** HTTP code for each reason; a Record so a new reason without a code fails to compile. */
export const reasonToHttpCode: Record<StatusReason, number> = {
  BadRequest: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  Gone: 410,
  Expired: 410,
  Invalid: 422,
  MethodNotAllowed: 405,
  NotAcceptable: 406,
  RequestEntityTooLarge: 413,
  UnsupportedMediaType: 415,
  TooManyRequests: 429,
  InternalError: 500,
  ServiceUnavailable: 503,
  Timeout: 504,
  ServerTimeout: 500,
};

/** One cause in `details.causes` (a field error for Invalid). */
export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/** `details` of a Status. `kind` carries the resource name (plural) as upstream does. */
export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/** The `meta/v1 Status` wire object. */
export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: StatusReason | string;
  details?: StatusDetails;
  code: number;
}

/** A group + resource, e.g. `{ group: 'apps', resource: 'deployments' }`; group '' is core. */
export interface GroupResource {
  group: string;
  resource: string;
}

const statusErrorBrand = Symbol.for('nanokube.error.StatusError');

/** StatusError carries a Kubernetes Status: what the apiserver sends and what clients throw. */
export class StatusError extends Error {
  override readonly name = 'StatusError';
  readonly [statusErrorBrand] = true;

  constructor(
    readonly status: Status,
    options?: { cause?: unknown },
  ) {
    super(status.message ?? status.reason ?? 'unknown error', options);
  }

  get code(): number {
    return this.status.code;
  }

  get reason(): string | undefined {
    return this.status.reason;
  }

  // instanceof works across duplicated installs of this package.
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && statusErrorBrand in value;
  }
}

/** qualifiedResource renders `deployments.apps` or `pods` as upstream messages do. */
export function qualifiedResource(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

/** newStatus builds a failure Status for a reason with an optional message and details. */
export function newStatus(reason: StatusReason, message: string, details?: StatusDetails): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code: reasonToHttpCode[reason],
  };
}

function err(reason: StatusReason, message: string, details?: StatusDetails, cause?: unknown): StatusError {
  return new StatusError(newStatus(reason, message, details), cause === undefined ? undefined : { cause });
}

function grDetails(gr: GroupResource, name: string): StatusDetails {
  return { name, ...(gr.group ? { group: gr.group } : {}), kind: gr.resource };
}

export function newNotFound(gr: GroupResource, name: string): StatusError {
  return err('NotFound', `${qualifiedResource(gr)} "${name}" not found`, grDetails(gr, name));
}

export function newAlreadyExists(gr: GroupResource, name: string): StatusError {
  return err('AlreadyExists', `${qualifiedResource(gr)} "${name}" already exists`, grDetails(gr, name));
}

/** newConflict: `Operation cannot be fulfilled on deployments.apps "x": <why>`. */
export function newConflict(gr: GroupResource, name: string, why: string): StatusError {
  return err(
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(gr)} "${name}": ${why}`,
    grDetails(gr, name),
  );
}

/** The message upstream uses for a stale resourceVersion. */
export const optimisticLockErrorMsg =
  'the object has been modified; please apply your changes to the latest version and try again';

/** A field validation error, rendered as `field: message` in Invalid statuses. */
export interface FieldError {
  /** `FieldValueRequired`, `FieldValueInvalid`, `FieldValueNotSupported`, `FieldValueDuplicate`, `FieldValueForbidden`, `FieldValueTooLong`, `FieldValueTypeInvalid`. */
  type: string;
  field: string;
  /** The full message after the field, e.g. `Required value` or `Invalid value: "x": must be ...`. */
  detail: string;
}

/** newInvalid: `Deployment.apps "x" is invalid: [spec.replicas: Invalid value: -1: must be ..., ...]`. */
export function newInvalid(kind: { group: string; kind: string }, name: string, errors: FieldError[]): StatusError {
  const qualified = kind.group ? `${kind.kind}.${kind.group}` : kind.kind;
  const causes = errors.map((e) => ({ reason: e.type, message: e.detail, field: e.field }));
  const rendered = errors.map((e) => `${e.field}: ${e.detail}`);
  const list = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  return err('Invalid', `${qualified} "${name}" is invalid: ${list}`, {
    name,
    ...(kind.group ? { group: kind.group } : {}),
    kind: kind.kind,
    causes,
  });
}

export function newBadRequest(message: string): StatusError {
  return err('BadRequest', message);
}

export function newUnauthorized(message = 'Unauthorized'): StatusError {
  return err('Unauthorized', message);
}

/** newForbidden: `pods "x" is forbidden: User "u" cannot get resource ...`. */
export function newForbidden(gr: GroupResource, name: string, why: string): StatusError {
  const subject = name ? `${qualifiedResource(gr)} "${name}"` : qualifiedResource(gr);
  return err('Forbidden', `${subject} is forbidden: ${why}`, grDetails(gr, name));
}

export function newMethodNotSupported(gr: GroupResource, action: string): StatusError {
  return err('MethodNotAllowed', `${action} is not supported on resources of kind "${qualifiedResource(gr)}"`, {
    ...(gr.group ? { group: gr.group } : {}),
    kind: gr.resource,
  });
}

export function newUnsupportedMediaType(contentType: string): StatusError {
  return err('UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf; got "${contentType}"`);
}

export function newRequestEntityTooLarge(message: string): StatusError {
  return err('RequestEntityTooLarge', `Request entity too large: ${message}`);
}

/** newResourceExpired: the 410 a watch or list gets for a compacted resourceVersion. */
export function newResourceExpired(message: string): StatusError {
  return err('Expired', message);
}

export function newGone(message: string): StatusError {
  return err('Gone', message);
}

export function newTooManyRequests(message: string, retryAfterSeconds: number): StatusError {
  return err('TooManyRequests', message, { retryAfterSeconds });
}

export function newServiceUnavailable(message: string): StatusError {
  return err('ServiceUnavailable', message);
}

export function newTimeout(message: string): StatusError {
  return err('Timeout', message);
}

/** newInternalError: `Internal error occurred: <cause>`. */
export function newInternalError(cause: unknown): StatusError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return err('InternalError', `Internal error occurred: ${msg}`, { causes: [{ message: msg }] }, cause);
}

function reasonOf(e: unknown): { reason?: string; code?: number } {
  for (let cur: unknown = e, depth = 0; cur && depth < 8; depth++) {
    if (cur instanceof StatusError) return { reason: cur.reason, code: cur.code };
    cur = (cur as { cause?: unknown }).cause;
  }
  return {};
}

function predicate(reason: StatusReason) {
  return (e: unknown): boolean => {
    const r = reasonOf(e);
    if (r.reason && r.reason in reasonToHttpCode) return r.reason === reason;
    return r.code !== undefined && r.code === reasonToHttpCode[reason];
  };
}

export const isNotFound = predicate('NotFound');
export const isAlreadyExists = predicate('AlreadyExists');
export const isConflict = predicate('Conflict');
export const isInvalid = predicate('Invalid');
export const isBadRequest = predicate('BadRequest');
export const isForbidden = predicate('Forbidden');
export const isUnauthorized = predicate('Unauthorized');
export const isTooManyRequests = predicate('TooManyRequests');
/** isResourceExpired is true for 410 Expired and Gone alike, as informers treat both as "re-list". */
export function isResourceExpired(e: unknown): boolean {
  const r = reasonOf(e);
  return r.reason === 'Expired' || r.reason === 'Gone' || r.code === 410;
}
