/**
 * The `pods/proxy` and `services/proxy` subresources: the apiserver relays any request under
 * `/api/v1/namespaces/{ns}/pods/{id}/proxy/...` to the pod IP, and under `.../services/{id}/proxy/...`
 * to a ready endpoint of the service, directly (not through a kubelet). Authorization is the usual
 * `get|create|update|patch|delete` on `pods/proxy` / `services/proxy`. `nodes/proxy` goes to the kubelet
 * and is served by the streaming handlers.
 *
 * Install with `subresourceHandlers: { ...proxyHandlers({ logger }), ...others }`.
 */
import { isNotFound, StatusError, newStatus } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import type { Endpoints, Pod, Service } from 'kubernetes-types/core/v1.js';
import type { ResourceDefinition } from '../../registry/types.js';
import type { SubresourceHandler, SubresourceRequest } from '../resource-handler.js';
import { forwardToBackend } from './forward.js';
import { parseProxyId, podIPsOf, podTarget, servicePortName, serviceTarget } from './location.js';

export { proxiedPath } from './forward.js';
export { isProxyableAddress, splitSchemeNamePort } from './location.js';
export type { ProxyId, ProxyTarget } from './location.js';

function coreDef(r: SubresourceRequest, resource: string): ResourceDefinition {
  const def = r.registry.resources.find((d) => d.group === '' && d.resource === resource);
  if (!def) throw new StatusError(newStatus('InternalError', `${resource} are not served`));
  return def;
}

async function servePodProxy(r: SubresourceRequest, logger: Logger): Promise<void> {
  const id = parseProxyId('pod', r.info.name);
  const pod = (await r.registry.get(r.ctx, r.def, id.name)) as Pod;
  return forwardToBackend(r, podTarget(pod, id), logger);
}

async function serveServiceProxy(r: SubresourceRequest, logger: Logger): Promise<void> {
  const id = parseProxyId('service', r.info.name);
  let portName = id.port;
  if (/^-?\d+$/.test(id.port)) portName = servicePortName((await r.registry.get(r.ctx, r.def, id.name)) as Service, id);
  const eps = (await r.registry.get(r.ctx, coreDef(r, 'endpoints'), id.name)) as Endpoints;
  const podsDef = coreDef(r, 'pods');
  const podIPs = async (name: string): Promise<string[] | undefined> => {
    try {
      return podIPsOf((await r.registry.get(r.ctx, podsDef, name)) as Pod);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const target = await serviceTarget(eps, id, portName, r.ctx.namespace, podIPs);
  return forwardToBackend(r, target, logger);
}

/** proxyHandlers returns the handlers of `pods/proxy` and `services/proxy` (keys as the resource handler looks them up). */
export function proxyHandlers(opts: { logger: Logger }): Partial<Record<string, SubresourceHandler>> {
  const logger = opts.logger;
  return {
    'pods/proxy': (r) => servePodProxy(r, logger),
    'services/proxy': (r) => serveServiceProxy(r, logger),
  };
}
