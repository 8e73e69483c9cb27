/**
 * RequestInfo parsing, as apiserver's `request.RequestInfoFactory`: splits an API path into group,
 * version, namespace, resource, name and subresource, and derives the Kubernetes verb from the HTTP
 * method. Authorization, routing and logging all read the same parsed value.
 */

/** The parsed form of one request, what upstream calls RequestInfo (authorization attributes). */
export interface RequestInfo {
  /** True for `/api/v1/...` and `/apis/<g>/<v>/...` paths that name a resource. */
  isResourceRequest: boolean;
  /** The URL path without the query string. */
  path: string;
  /** Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection (or the lower-case HTTP method for non-resource paths). */
  verb: string;
  /** `api` or `apis` for API paths, '' otherwise. */
  apiPrefix: string;
  apiGroup: string;
  apiVersion: string;
  /** Namespace from the URL; for `namespaces/{name}` this is the namespace's own name, as upstream. */
  namespace: string;
  resource: string;
  subresource: string;
  name: string;
  /** Path segments after the subresource (e.g. the rest of a `proxy` path). */
  rest: string[];
}

const namespaceSubresources = new Set(['status', 'finalize']);

const methodVerbs: Record<string, string> = {
  POST: 'create',
  PUT: 'update',
  PATCH: 'patch',
  GET: 'get',
  HEAD: 'get',
  DELETE: 'delete',
};

/** isWatchParam reports whether a `watch` query value turns a list into a watch (`true`, `1`). */
export function isWatchParam(v: unknown): boolean {
  return v === 'true' || v === '1';
}

/**
 * parseRequestInfo parses `path` (no query) for `method`. `watch` is the `watch` query value. Paths that
 * are not resource requests come back with isResourceRequest false and verb = lower-case method.
 */
export function parseRequestInfo(method: string, path: string, watch?: unknown): RequestInfo {
  const info: RequestInfo = {
    isResourceRequest: false,
    path,
    verb: method.toLowerCase(),
    apiPrefix: '',
    apiGroup: '',
    apiVersion: '',
    namespace: '',
    resource: '',
    subresource: '',
    name: '',
    rest: [],
  };
  const parts = splitPath(path);
  const prefix = parts[0];
  if (prefix !== 'api' && prefix !== 'apis') return info;
  info.apiPrefix = prefix;
  let cur = parts.slice(1);
  if (prefix === 'apis') {
    if (cur.length < 3) return fillGroupVersion(info, cur);
    info.apiGroup = cur[0] ?? '';
    cur = cur.slice(1);
  } else if (cur.length < 2) {
    return fillGroupVersion(info, cur);
  }
  info.apiVersion = cur[0] ?? '';
  cur = cur.slice(1);
  info.isResourceRequest = true;
  const httpVerb = methodVerbs[method.toUpperCase()];
  info.verb = httpVerb ?? method.toLowerCase();

  if (cur[0] === 'namespaces' && cur.length > 1) {
    info.namespace = cur[1] ?? '';
    if (cur.length > 2 && !namespaceSubresources.has(cur[2] ?? '')) cur = cur.slice(2);
  }
  info.resource = cur[0] ?? '';
  info.name = cur[1] ?? '';
  info.subresource = cur[2] ?? '';
  info.rest = cur.slice(3);

  if (info.name === '') {
    if (info.verb === 'get') info.verb = isWatchParam(watch) ? 'watch' : 'list';
    else if (info.verb === 'delete') info.verb = 'deletecollection';
  } else if (info.verb === 'get' && isWatchParam(watch) && info.subresource === '') {
    // A GET of a named object with ?watch=true is a watch filtered to that name, as upstream.
    info.verb = 'watch';
  }
  return info;
}

function fillGroupVersion(info: RequestInfo, cur: string[]): RequestInfo {
  if (info.apiPrefix === 'apis') {
    info.apiGroup = cur[0] ?? '';
    info.apiVersion = cur[1] ?? '';
  } else {
    info.apiVersion = cur[0] ?? '';
  }
  return info;
}

/** splitPath splits a URL path into non-empty, percent-decoded segments. */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '') continue;
    try {
      out.push(decodeURIComponent(seg));
    } catch {
      out.push(seg);
    }
  }
  return out;
}
