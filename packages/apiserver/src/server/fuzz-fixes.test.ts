import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { FakeRegistry } from '../../../../test/apiserver/fake-registry.js';
import { buildApp } from './app.js';
import type { UserInfo } from './auth.js';

const admin: UserInfo = { name: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };

let registry: FakeRegistry;
let app: FastifyInstance;

beforeEach(() => {
  registry = new FakeRegistry();
  app = buildApp({ registry, logger: pino({ level: 'silent' }), authenticators: [() => admin], now: () => new Date('2025-01-01T00:00:00Z') });
});
afterEach(async () => {
  await app.close();
});

describe('requests the security fuzz found mishandled', () => {
  it('answers 404 for paths with empty segments instead of routing them to a collection', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods', payload: pod })).statusCode).toBe(201);
    for (const url of ['/api/v1//namespaces//default//pods', '/api//v1/namespaces/default/pods', '/api/v1/namespaces/default/pods//web']) {
      expect((await app.inject({ method: 'DELETE', url })).statusCode, url).toBe(404);
      expect((await app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
    expect((await app.inject({ url: '/api/v1/namespaces/default/pods/web' })).statusCode).toBe(200);
  });

  it('answers 405 to POST on an object path rather than creating the body', async () => {
    const r = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/pods/other', payload: { ...pod, metadata: { name: 'sneaky' } } });
    expect(r.statusCode).toBe(405);
    expect((await app.inject({ url: '/api/v1/namespaces/default/pods/sneaky' })).statusCode).toBe(404);
  });
});
