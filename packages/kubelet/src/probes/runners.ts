/**
 * The three probe mechanisms with upstream's semantics and messages (pkg/probe/http, tcp, exec):
 *
 * - HTTP GET to `scheme://host:port/path` with the probe's headers, `User-Agent: kube-probe/<minor>` and
 *   `Accept: *` unless set; 200-399 succeeds (redirects are not followed); certificates are not verified;
 *   failure reads `HTTP probe failed with statuscode: 500`.
 * - TCP: a connection that opens succeeds.
 * - exec: the command through the runtime's exec; exit code 0 succeeds, the output is the message.
 *
 * Every runner resolves, never rejects: `result` is success, failure, or unknown (the probe could not run).
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import type { RuntimeService } from '../runtime/types.js';

/** The outcome of one probe run. */
export interface ProbeOutcome {
  result: 'success' | 'failure' | 'unknown';
  /** Failure (or error) detail for the `Unhealthy` event. */
  message: string;
  /** Exit code of an exec probe. */
  exitCode?: number;
}

const userAgent = 'kube-probe/1.31';
const maxBody = 10 * 1024;

/** hostPort renders `host:port` with IPv6 hosts in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** HttpProbeSpec is a resolved httpGet probe (port already a number). */
export interface HttpProbeSpec {
  scheme: 'HTTP' | 'HTTPS';
  host: string;
  port: number;
  path: string;
  headers: { name: string; value: string }[];
  timeoutMs: number;
}

/** probeHttp runs one HTTP probe. */
export function probeHttp(spec: HttpProbeSpec): Promise<ProbeOutcome> {
  const path = spec.path.startsWith('/') ? spec.path : `/${spec.path}`;
  const url = `${spec.scheme.toLowerCase()}://${hostPort(spec.host, spec.port)}${path}`;
  const headers: Record<string, string> = {};
  for (const h of spec.headers) headers[h.name.toLowerCase()] = h.value;
  headers['user-agent'] ??= userAgent;
  headers['accept'] ??= '*/*';
  return new Promise((resolve) => {
    let done = false;
    const finish = (o: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(o);
    };
    const make = spec.scheme === 'HTTPS' ? httpsRequest : httpRequest;
    const req = make(
      url,
      { method: 'GET', headers, agent: false, ...(spec.scheme === 'HTTPS' ? { rejectUnauthorized: false } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < maxBody) chunks.push(c.subarray(0, maxBody - size));
          size += c.length;
        });
        res.on('end', () => {
          const code = res.statusCode ?? 0;
          if (code >= 200 && code < 400) finish({ result: 'success', message: Buffer.concat(chunks).toString('utf8') });
          else finish({ result: 'failure', message: `HTTP probe failed with statuscode: ${code}` });
        });
        res.on('error', (err) => finish({ result: 'failure', message: `Get "${url}": ${err.message}` }));
      },
    );
    const timer = setTimeout(() => {
      finish({ result: 'failure', message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` });
      req.destroy();
    }, spec.timeoutMs);
    req.on('error', (err) => finish({ result: 'failure', message: `Get "${url}": ${dialError(spec.host, spec.port, err)}` }));
    req.end();
  });
}

/** dialError words a connect error as Go's net package does (`dial tcp 10.0.0.5:80: connect: connection refused`). */
function dialError(host: string, port: number, err: NodeJS.ErrnoException): string {
  const words: Record<string, string> = {
    ECONNREFUSED: 'connect: connection refused',
    EHOSTUNREACH: 'connect: no route to host',
    ENETUNREACH: 'connect: network is unreachable',
    ECONNRESET: 'read: connection reset by peer',
  };
  const w = err.code ? words[err.code] : undefined;
  return w ? `dial tcp ${hostPort(host, port)}: ${w}` : err.message;
}

/** probeTcp opens (and closes) one TCP connection. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    let done = false;
    const finish = (o: ProbeOutcome): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => finish({ result: 'failure', message: `dial tcp ${hostPort(host, port)}: i/o timeout` }), timeoutMs);
    sock.once('connect', () => finish({ result: 'success', message: '' }));
    sock.once('error', (err) => finish({ result: 'failure', message: dialError(host, port, err) }));
  });
}

/** probeExec runs the command in the container through the runtime. */
export async function probeExec(runtime: RuntimeService, containerId: string, command: string[], timeoutMs: number): Promise<ProbeOutcome> {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (size < maxBody) chunks.push(chunk.subarray(0, maxBody - size));
      size += chunk.length;
      cb();
    },
  });
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      ac.abort();
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    const code = await Promise.race([runtime.exec(containerId, command, { stdout: sink, stderr: sink, tty: false, signal: ac.signal }), timeout]);
    if (code === 'timeout') return { result: 'failure', message: `command ${JSON.stringify(command.join(' '))} timed out` };
    const output = Buffer.concat(chunks).toString('utf8');
    return { result: code === 0 ? 'success' : 'failure', message: output, exitCode: code };
  } catch (err) {
    return { result: 'unknown', message: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
