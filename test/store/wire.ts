/**
 * Raw access to the JSON gateway for the conformance suite: the client hides the wire, but
 * compatibility is a property of the wire, so shapes are checked on the bytes as sent.
 */
import http from 'node:http';

export type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const b64 = (s: string): string => Buffer.from(s).toString('base64');
export const unb64 = (s: string): string => Buffer.from(s, 'base64').toString();

/** raw POSTs a body (object as JSON, or a raw string) and returns status and parsed JSON (or text). */
export async function raw(url: string, path: string, body: unknown): Promise<{ status: number; json: Json; text: string }> {
  const res = await fetch(url + path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: Json = {};
  try {
    json = JSON.parse(text) as Json;
  } catch {
    // leave {} and let the caller look at text
  }
  return { status: res.status, json, text };
}

/**
 * header checks a wire header (every field a decimal string) and returns it with the IDs and term
 * replaced, so that two backends' answers compare equal.
 */
export function normHeader(h: Json | undefined, base: number): Json | undefined {
  if (h === undefined) return undefined;
  const out: Json = {};
  for (const [k, v] of Object.entries(h)) {
    if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw new Error(`header.${k} is not a decimal string: ${JSON.stringify(v)}`);
    out[k] = k === 'revision' ? `base+${Number(v) - base}` : `<${k}>`;
  }
  return out;
}

/** norm rewrites every revision-like field to base+N and every header via normHeader, recursively. */
export function norm(v: unknown, base: number): unknown {
  if (Array.isArray(v)) return v.map((x) => norm(x, base));
  if (v === null || typeof v !== 'object') return v;
  const out: Json = {};
  for (const [k, x] of Object.entries(v as Json)) {
    if (k === 'header') out[k] = normHeader(x as Json, base);
    else if (/revision$/.test(k) && typeof x === 'string') out[k] = `base+${Number(x) - base}`;
    else out[k] = norm(x, base);
  }
  return out;
}

/** RawWatch is a raw /v3/watch stream: write request objects, read result lines. */
export interface RawWatch {
  send(msg: unknown): void;
  sendRaw(text: string): void;
  /** next waits for the next message (throws after timeoutMs). */
  next(timeoutMs?: number): Promise<Json>;
  /** quiet resolves true if no message arrives within ms. */
  quiet(ms: number): Promise<boolean>;
  close(): void;
}

export function rawWatch(url: string): RawWatch {
  const u = new URL(url);
  const req = http.request({
    host: u.hostname,
    port: u.port,
    path: '/v3/watch',
    method: 'POST',
    agent: false,
    // etcd's Go server would drain the body before answering without Expect (see the client's transport).
    headers: { 'content-type': 'application/json', expect: '100-continue', 'transfer-encoding': 'chunked' },
  });
  req.on('error', () => {});
  req.flushHeaders();
  const queue: Json[] = [];
  let wake: (() => void) | undefined;
  let pending = '';
  req.on('response', (res) => {
    res.setEncoding('utf8');
    res.on('data', (c: string) => {
      pending += c;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (line) queue.push(JSON.parse(line) as Json);
      }
      wake?.();
    });
    res.on('error', () => {});
  });
  const waitFor = async (ms: number): Promise<boolean> => {
    if (queue.length > 0) return true;
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        wake = undefined;
        resolve(false);
      }, ms);
      wake = () => {
        clearTimeout(t);
        wake = undefined;
        resolve(true);
      };
    });
  };
  return {
    send: (msg) => req.write(JSON.stringify(msg) + '\n'),
    sendRaw: (text) => req.write(text),
    async next(timeoutMs = 5000) {
      if (!(await waitFor(timeoutMs))) throw new Error(`no watch message within ${timeoutMs} ms`);
      return queue.shift()!;
    },
    async quiet(ms) {
      return !(await waitFor(ms));
    },
    close: () => req.destroy(),
  };
}
