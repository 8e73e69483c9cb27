/**
 * `pods/log`: proxies the kubelet's `/containerLogs/NS/POD/CONTAINER` and streams its body to the client as
 * it comes (chunked), ending when the kubelet ends, which is what makes `kubectl logs -f` exit.
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { newBadRequest, newNotFound, newStatus, StatusError } from '@nanokube/api';
import type { SubresourceRequest } from '../resource-handler.js';
import { backendError, containerOf, dialError, locateKubelet, queryOf, tlsOptions, tlsVerifyError, type KubeletClientConfig } from './kubelet-client.js';

const passedParams = ['follow', 'previous', 'timestamps', 'tailLines', 'limitBytes', 'sinceSeconds', 'sinceTime'];

function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => (text += d.length + text.length < 65536 ? d : ''));
    res.on('end', () => resolve(text.trim()));
    res.on('error', () => resolve(text.trim()));
  });
}

/** serveLogs handles GET pods/log. */
export async function serveLogs(r: SubresourceRequest, cfg: KubeletClientConfig): Promise<void> {
  if (r.request.method !== 'GET' && r.request.method !== 'HEAD') throw newBadRequest(`method ${r.request.method} is not supported for pods/log`);
  const q = queryOf(r.request.query);
  const target = await locateKubelet(r);
  const container = containerOf(target.pod, q.get('container') ?? undefined);
  const kq = new URLSearchParams();
  for (const p of passedParams) {
    const v = q.get(p);
    if (v !== null && v !== '') kq.set(p, v);
  }
  for (const p of ['tailLines', 'limitBytes', 'sinceSeconds']) {
    const v = kq.get(p);
    if (v !== null && !/^-?\d+$/.test(v)) throw newBadRequest(`invalid value for ${p}: "${v}"`);
  }
  const path = `/containerLogs/${encodeURIComponent(target.namespace)}/${encodeURIComponent(target.podName)}/${encodeURIComponent(container)}${kq.size ? `?${kq}` : ''}`;
  const url = `https://${target.hostPort}${path}`;
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpsRequest(url, { method: 'GET', ...tlsOptions(cfg), timeout: 30_000 }, resolve);
    req.on('timeout', () => req.destroy(new Error(`Get "${url}": context deadline exceeded`)));
    req.on('error', (err) => {
      // As kube-apiserver's log streamer words a kubelet whose certificate does not verify.
      const tls = tlsVerifyError(err);
      reject(tls ? backendError(`Get "${url}": ${tls}`) : dialError(err));
    });
    req.end();
  });
  if (res.statusCode !== 200) {
    const text = await readText(res);
    if (res.statusCode === 404) throw newNotFound({ group: '', resource: 'pods' }, target.podName);
    if (res.statusCode !== undefined && res.statusCode < 500) throw newBadRequest(text);
    throw new StatusError(newStatus('InternalError', text || `kubelet answered ${res.statusCode ?? 0}`));
  }
  const reply = r.reply;
  reply.hijack();
  const out = reply.raw;
  out.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-cache, private' });
  out.flushHeaders();
  if (r.request.method === 'HEAD') {
    res.destroy();
    out.end();
    return;
  }
  out.on('close', () => res.destroy());
  res.on('error', () => out.end());
  res.pipe(out);
}
