/**
 * The `serviceaccounts/token` subresource (TokenRequest, `kubectl create token NAME`): validates the
 * request, resolves the bound object, and issues a token for the service account.
 */
import { newBadRequest, newInvalid, newNotFound, type FieldError } from '@nanokube/api';
import type { KubeObject, RequestContext } from '../../registry/types.js';
import type { BoundObject, ServiceAccountTokens } from './service-account.js';

/** Reads objects for binding (undefined when absent). */
export type BindingGetter = (kind: 'ServiceAccount' | 'Pod' | 'Secret' | 'Node', namespace: string, name: string) => Promise<KubeObject | undefined>;

interface TokenRequestSpec {
  audiences?: string[];
  expirationSeconds?: number;
  boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string };
}

const minExpirationSeconds = 600;
const maxExpirationSeconds = 2 ** 32;

function invalid(field: string, value: unknown, detail: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${JSON.stringify(value)}: ${detail}` };
}

/** createToken serves POST serviceaccounts/{name}/token and returns the filled-in TokenRequest. */
export async function createToken(
  tokens: ServiceAccountTokens,
  getObject: BindingGetter,
  ctx: RequestContext,
  saName: string,
  body: KubeObject,
): Promise<KubeObject> {
  const spec: TokenRequestSpec = { ...((body['spec'] ?? {}) as TokenRequestSpec) };
  const ns = ctx.namespace;
  spec.expirationSeconds ??= 3600;
  if (!spec.audiences || spec.audiences.length === 0) spec.audiences = [...tokens.apiAudiences];
  const errs: FieldError[] = [];
  if (spec.expirationSeconds < minExpirationSeconds) errs.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration less than 10 minutes'));
  if (spec.expirationSeconds > maxExpirationSeconds) errs.push(invalid('spec.expirationSeconds', spec.expirationSeconds, 'may not specify a duration larger than 2^32 seconds'));
  if (errs.length) throw newInvalid({ group: 'authentication.k8s.io', kind: 'TokenRequest' }, saName, errs);

  const sa = await getObject('ServiceAccount', ns, saName);
  if (!sa) throw newNotFound({ group: '', resource: 'serviceaccounts' }, saName);
  let bound: BoundObject | undefined;
  let node: { name: string; uid: string } | undefined;
  const ref = spec.boundObjectRef;
  if (ref?.kind) {
    const kind = ref.kind;
    if (kind !== 'Pod' && kind !== 'Secret' && kind !== 'Node') throw newBadRequest(`cannot bind token to object of type ${kind}`);
    const obj = await getObject(kind, kind === 'Node' ? '' : ns, ref.name ?? '');
    if (!obj) throw newNotFound({ group: '', resource: `${kind.toLowerCase()}s` }, ref.name ?? '');
    const uid = obj.metadata.uid ?? '';
    if (ref.uid && ref.uid !== uid) throw newInvalid({ group: 'authentication.k8s.io', kind: 'TokenRequest' }, saName, [invalid('spec.boundObjectRef.uid', ref.uid, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`)]);
    if (kind === 'Pod') {
      const podSA = (obj['spec'] as { serviceAccountName?: string } | undefined)?.serviceAccountName ?? 'default';
      if (podSA !== saName) throw newBadRequest(`cannot bind token for serviceaccount "${saName}" to pod running with different serviceaccount name.`);
      const nodeName = (obj['spec'] as { nodeName?: string } | undefined)?.nodeName;
      if (nodeName) {
        const n = await getObject('Node', '', nodeName);
        if (n?.metadata.uid) node = { name: nodeName, uid: n.metadata.uid };
      }
    }
    bound = { kind, name: ref.name ?? '', uid };
  }
  const issued = tokens.issue({
    namespace: ns,
    serviceAccount: { name: saName, uid: sa.metadata.uid ?? '' },
    audiences: spec.audiences,
    expirationSeconds: spec.expirationSeconds,
    ...(bound ? { bound } : {}),
    ...(node ? { node } : {}),
    now: ctx.now,
  });
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name: saName, namespace: ns, creationTimestamp: null },
    spec: { ...spec, ...(ref?.kind ? { boundObjectRef: { ...ref, uid: bound?.uid } } : {}) },
    status: { token: issued.token, expirationTimestamp: issued.expirationTimestamp.toISOString().replace(/\.\d{3}Z$/, 'Z') },
  } as unknown as KubeObject;
}
