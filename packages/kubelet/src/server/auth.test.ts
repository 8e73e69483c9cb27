import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { KubeletAuth, requestAttributes, type KubeletAuthReviewer, type KubeletUser } from './auth.js';

const log = { warn: () => undefined } as never;

function fakeRequest(path: string, opts: { method?: string; token?: string } = {}): IncomingMessage {
  return { url: path, method: opts.method ?? 'GET', headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {}, socket: {} } as unknown as IncomingMessage;
}

describe('requestAttributes', () => {
  it.each([
    { name: 'stats summary', method: 'GET', path: '/stats/summary', want: { verb: 'get', subresource: 'stats' } },
    { name: 'stats root', method: 'GET', path: '/stats', want: { verb: 'get', subresource: 'stats' } },
    { name: 'metrics', method: 'GET', path: '/metrics/cadvisor', want: { verb: 'get', subresource: 'metrics' } },
    { name: 'node logs', method: 'GET', path: '/logs/syslog', want: { verb: 'get', subresource: 'log' } },
    { name: 'container logs are proxy', method: 'GET', path: '/containerLogs/ns/p/c', want: { verb: 'get', subresource: 'proxy' } },
    { name: 'exec over SPDY', method: 'POST', path: '/exec/ns/p/c', want: { verb: 'create', subresource: 'proxy' } },
    { name: 'a look-alike prefix', method: 'GET', path: '/statsx', want: { verb: 'get', subresource: 'proxy' } },
    { name: 'delete', method: 'DELETE', path: '/pods', want: { verb: 'delete', subresource: 'proxy' } },
  ])('maps $name', ({ method, path, want }) => {
    expect(requestAttributes(method, path)).toEqual(want);
  });
});

describe('KubeletAuth', () => {
  function setup(answer: boolean | 'error') {
    let now = 0;
    const calls = { tokens: 0, sars: 0 };
    const reviewer: KubeletAuthReviewer = {
      tokenReview: async (token) => {
        calls.tokens++;
        return token === 't' ? { user: { name: 'alice', groups: ['devs'] } } : {};
      },
      subjectAccessReview: async (_u: KubeletUser) => {
        calls.sars++;
        if (answer === 'error') throw new Error('apiserver down');
        return { allowed: answer };
      },
    };
    const auth = new KubeletAuth({ nodeName: 'n1', reviewer, log, clock: { now: () => now } });
    return { auth, calls, advance: (ms: number) => void (now += ms) };
  }

  it('remembers a denial for 30 s', async () => {
    const t = setup(false);
    expect(await t.auth.check(fakeRequest('/pods', { token: 't' }))).toEqual({ code: 403, message: 'Forbidden (user=alice, verb=get, resource=nodes, subresource=proxy)' });
    await t.auth.check(fakeRequest('/pods', { token: 't' }));
    expect(t.calls.sars).toBe(1);
    t.advance(30_001);
    await t.auth.check(fakeRequest('/pods', { token: 't' }));
    expect(t.calls.sars).toBe(2);
  });

  it('remembers an allowance for 5 min and a token review for 2 min', async () => {
    const t = setup(true);
    expect(await t.auth.check(fakeRequest('/pods', { token: 't' }))).toBeUndefined();
    t.advance(119_000);
    expect(await t.auth.check(fakeRequest('/pods', { token: 't' }))).toBeUndefined();
    expect(t.calls).toEqual({ tokens: 1, sars: 1 });
    t.advance(2_000);
    await t.auth.check(fakeRequest('/pods', { token: 't' }));
    expect(t.calls).toEqual({ tokens: 2, sars: 1 });
    t.advance(300_000);
    await t.auth.check(fakeRequest('/pods', { token: 't' }));
    expect(t.calls.sars).toBe(2);
  });

  it('answers 500 when the review cannot be made, and does not remember it', async () => {
    const t = setup('error');
    const denied = await t.auth.check(fakeRequest('/stats/summary', { token: 't' }));
    expect(denied).toEqual({ code: 500, message: 'Authorization error (user=alice, verb=get, resource=nodes, subresource=stats)' });
    await t.auth.check(fakeRequest('/stats/summary', { token: 't' }));
    expect(t.calls.sars).toBe(2);
  });

  it('leaves the health checks open and asks nothing', async () => {
    const t = setup(false);
    expect(await t.auth.check(fakeRequest('/healthz'))).toBeUndefined();
    expect(t.calls).toEqual({ tokens: 0, sars: 0 });
  });
});
