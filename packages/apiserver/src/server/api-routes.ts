/**
 * The `/api` and `/apis` trees: discovery documents at the group and version levels, and one wildcard
 * route per tree that hands every resource path to the ResourceHandler.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { MetricsApi } from '../metrics-api/index.js';
import { metricsDefinitions, metricsGroup } from '../metrics-api/handler.js';
import type { UserInfo } from './auth.js';
import { buildDiscovery } from './discovery.js';
import { discoveryContentType, negotiateDiscovery } from './negotiation.js';
import type { RequestInfo } from './request-info.js';
import { notFoundStatus, ResourceHandler, sendJson, type ResourceHandlerDeps } from './resource-handler.js';

/** What the API routes need: the resource handler's deps plus the auth hook's per-request state. */
export interface ApiRoutesDeps extends ResourceHandlerDeps {
  serverAddress?: string | undefined;
  /** Served under /apis/metrics.k8s.io and listed in discovery when present. */
  metricsApi?: MetricsApi | undefined;
  requestState(req: FastifyRequest): { info: RequestInfo; user: UserInfo } | undefined;
}

const vary = 'Accept';

/** registerApiRoutes mounts discovery and the generic resource routes. */
export function registerApiRoutes(app: FastifyInstance, deps: ApiRoutesDeps): void {
  const metrics = deps.metricsApi;
  const docs = buildDiscovery(metrics ? [...deps.registry.resources, ...metricsDefinitions] : deps.registry.resources, deps.serverAddress);
  const handler = new ResourceHandler(deps);

  const sendDiscovery = (req: FastifyRequest, reply: FastifyReply, legacy: string, aggregated: Record<'v2' | 'v2beta1', string>): void => {
    void reply.header('vary', vary);
    const v = negotiateDiscovery(req.headers.accept);
    if (v) return sendJson(reply, 200, aggregated[v], discoveryContentType(v));
    sendJson(reply, 200, legacy);
  };

  app.get('/api', async (req, reply) => sendDiscovery(req, reply, docs.coreVersions, docs.aggregatedCore));
  app.get('/apis', async (req, reply) => sendDiscovery(req, reply, docs.groupList, docs.aggregatedGroups));

  const serve = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const st = deps.requestState(req);
    if (!st) throw notFoundStatus();
    const { info, user } = st;
    if (metrics && info.isResourceRequest && info.resource !== '' && info.apiGroup === metricsGroup) {
      const ctx = { namespace: info.namespace, user, dryRun: false, now: deps.now() };
      return metrics.handler.handle(reply, info, (req.query ?? {}) as Record<string, unknown>, ctx, req.headers.accept);
    }
    if (info.isResourceRequest && info.resource !== '') return handler.handle(req, reply, info, user);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw notFoundStatus();
    // Discovery below the root: /api/v1, /apis/<group>, /apis/<group>/<version>.
    const gv = info.apiGroup ? (info.apiVersion ? `${info.apiGroup}/${info.apiVersion}` : '') : info.apiVersion;
    if (gv) {
      const list = docs.resourceLists.get(gv);
      if (!list) throw notFoundStatus();
      return sendJson(reply, 200, list);
    }
    const group = info.apiGroup ? docs.groups.get(info.apiGroup) : undefined;
    if (!group) throw notFoundStatus();
    sendJson(reply, 200, group);
  };
  app.all('/api/*', serve);
  app.all('/apis/*', serve);
}
