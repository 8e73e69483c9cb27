import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';

/** TLS material for probing an HTTPS endpoint with a verified server and a client certificate. */
export interface ProbeTLS {
  ca: string;
  cert?: string;
  key?: string;
}

/** probe makes one request and resolves to the HTTP status code, or 0 when nothing answered. */
export function probe(url: string, opts: { method?: string; body?: string; tls?: ProbeTLS; timeoutMs?: number } = {}): Promise<number> {
  const u = new URL(url);
  const reqOpts: RequestOptions = {
    method: opts.method ?? 'GET',
    timeout: opts.timeoutMs ?? 2_000,
    headers: opts.body ? { 'content-type': 'application/json' } : {},
    ...(opts.tls ?? {}),
  };
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    const req = send(u, reqOpts, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(opts.body);
  });
}

/**
 * waitUntilReady polls `check` every 100 ms until it resolves true, `signal` aborts, or `timeoutMs`
 * passes (then it throws with `what` in the message so the user knows which component did not come up).
 */
export async function waitUntilReady(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; signal?: AbortSignal; failed?: () => string | undefined },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check()) return;
    const failure = opts.failed?.();
    if (failure) throw new Error(`${what} failed to start: ${failure}`);
    if (opts.signal?.aborted) throw new Error(`interrupted while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`${what} was not ready after ${opts.timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
