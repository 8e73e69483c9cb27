/**
 * The query and path parameters of the Kubernetes REST API, as OpenAPI v3 parameter objects. kubectl
 * reads one of them: `fieldValidation` on a kind's PATCH operation tells it that the server validates
 * fields itself (cli-runtime query_param_verifier_v3.go).
 */
import type { Schema } from './schemas.js';

function query(name: string, description: string, schema: Schema): Schema {
  return { name, in: 'query', description, schema };
}

const str = { type: 'string' };
const bool = { type: 'boolean' };
const int = { type: 'integer' };

export const parameters = {
  name: { name: 'name', in: 'path', description: 'name of the object', required: true, schema: { type: 'string', uniqueItems: true } },
  namespace: {
    name: 'namespace',
    in: 'path',
    description: 'object name and auth scope, such as for teams and projects',
    required: true,
    schema: { type: 'string', uniqueItems: true },
  },
  pretty: query('pretty', "If 'true', then the output is pretty printed. Defaults to 'false' unless the user-agent indicates a browser or command-line HTTP tool (curl and wget).", { type: 'string', uniqueItems: true }),
  dryRun: query('dryRun', 'When present, indicates that modifications should not be persisted. An invalid or unrecognized dryRun directive will result in an error response and no further processing of the request. Valid values are: - All: all dry run stages will be processed', { type: 'string', uniqueItems: true }),
  fieldManager: query('fieldManager', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters, as defined by https://golang.org/pkg/unicode/#IsPrint.', { type: 'string', uniqueItems: true }),
  fieldValidation: query(
    'fieldValidation',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: This will ignore any unknown fields that are silently dropped from the object, and will ignore all but the last duplicate field that the decoder encounters. This is the default behavior prior to v1.23. - Warn: This will send a warning via the standard warning response header for each unknown field that is dropped from the object, and for each duplicate field that is encountered. The request will still succeed if there are no other errors, and will only persist the last of any duplicate fields. This is the default in v1.23+ - Strict: This will fail the request with a BadRequest error if any unknown fields would be dropped from the object, or if any duplicate fields are present. The error returned from the server will contain all unknown and duplicate fields encountered.',
    { type: 'string', uniqueItems: true },
  ),
  force: query('force', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people. Force flag must be unset for non-apply patch requests.', { type: 'boolean', uniqueItems: true }),
  allowWatchBookmarks: query('allowWatchBookmarks', 'allowWatchBookmarks requests watch events with type "BOOKMARK". Servers that do not implement bookmarks may ignore this flag and bookmarks are sent at the server\'s discretion. Clients should not assume bookmarks are returned at any specific interval, nor may they assume the server will send any BOOKMARK event during a session. If this is not a watch, this field is ignored.', { ...bool, uniqueItems: true }),
  continue: query('continue', 'The continue option should be set when retrieving more results from the server. Since this value is server defined, clients may only use the continue value from a previous query result with identical query parameters (except for the value of continue) and the server may reject a continue value it does not recognize.', { ...str, uniqueItems: true }),
  fieldSelector: query('fieldSelector', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.', { ...str, uniqueItems: true }),
  labelSelector: query('labelSelector', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.', { ...str, uniqueItems: true }),
  limit: query('limit', 'limit is a maximum number of responses to return for a list call. If more items exist, the server will set the `continue` field on the list metadata to a value that can be used with the same initial query to retrieve the next set of results.', { ...int, uniqueItems: true }),
  resourceVersion: query('resourceVersion', 'resourceVersion sets a constraint on what resource versions a request may be served from. See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset', { ...str, uniqueItems: true }),
  resourceVersionMatch: query('resourceVersionMatch', 'resourceVersionMatch determines how resourceVersion is applied to list calls. It is highly recommended that resourceVersionMatch be set for list calls where resourceVersion is set See https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions for details.\n\nDefaults to unset', { ...str, uniqueItems: true }),
  sendInitialEvents: query('sendInitialEvents', '`sendInitialEvents=true` may be set together with `watch=true`. In that case, the watch stream will begin with synthetic events to produce the current state of objects in the collection. Once all such events have been sent, a synthetic "Bookmark" event will be sent.', { ...bool, uniqueItems: true }),
  timeoutSeconds: query('timeoutSeconds', 'Timeout for the list/watch call. This limits the duration of the call, regardless of any activity or inactivity.', { ...int, uniqueItems: true }),
  watch: query('watch', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications. Specify resourceVersion.', { ...bool, uniqueItems: true }),
  gracePeriodSeconds: query('gracePeriodSeconds', 'The duration in seconds before the object should be deleted. Value must be non-negative integer. The value zero indicates delete immediately. If this value is nil, the default grace period for the specified type will be used. Defaults to a per object value if not specified. zero means delete immediately.', { ...int, uniqueItems: true }),
  orphanDependents: query('orphanDependents', 'Deprecated: please use the PropagationPolicy, this field will be deprecated in 1.7. Should the dependent objects be orphaned. If true/false, the "orphan" finalizer will be added to/removed from the object\'s finalizers list. Either this field or PropagationPolicy may be set, but not both.', { ...bool, uniqueItems: true }),
  propagationPolicy: query('propagationPolicy', "Whether and how garbage collection will be performed. Either this field or OrphanDependents may be set, but not both. The default policy is decided by the existing finalizer set in the metadata.finalizers and the resource-specific default policy. Acceptable values are: 'Orphan' - orphan the dependents; 'Background' - allow the garbage collector to delete the dependents in the background; 'Foreground' - a cascading policy that deletes all dependents in the foreground.", { ...str, uniqueItems: true }),
} satisfies Record<string, Schema>;

/** listParameters are the query parameters of list and watch operations, in upstream's order. */
export const listParameters: Schema[] = [
  parameters.allowWatchBookmarks,
  parameters.continue,
  parameters.fieldSelector,
  parameters.labelSelector,
  parameters.limit,
  parameters.resourceVersion,
  parameters.resourceVersionMatch,
  parameters.sendInitialEvents,
  parameters.timeoutSeconds,
  parameters.watch,
];

/** writeParameters are the query parameters of create and update operations. */
export const writeParameters: Schema[] = [parameters.dryRun, parameters.fieldManager, parameters.fieldValidation];

/** deleteParameters are the query parameters of delete and deletecollection operations. */
export const deleteParameters: Schema[] = [
  parameters.dryRun,
  parameters.gracePeriodSeconds,
  parameters.orphanDependents,
  parameters.propagationPolicy,
];
