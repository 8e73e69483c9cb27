/** Opening a WebSocket to a kubelet streaming endpoint; a non-101 answer becomes a Status error. */
import type { IncomingMessage } from 'node:http';
import { WebSocket } from 'ws';
import { newBadRequest, newNotFound, newStatus, StatusError } from '@nanokube/api';
import { dialError, tlsOptions, type KubeletClientConfig } from './kubelet-client.js';

function readText(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => {
      if (text.length < 65536) text += d;
    });
    res.on('end', () => resolve(text.trim()));
    res.on('error', () => resolve(text.trim()));
  });
}

/**
 * dialKubelet opens `wss://hostPort/path` offering `protocols`. The socket comes back paused, so no
 * message or close is lost before the caller's listeners are in place: call `resume()` then.
 */
export function dialKubelet(hostPort: string, path: string, protocols: string[], cfg: KubeletClientConfig, podName: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://${hostPort}${path}`, protocols, { ...tlsOptions(cfg), perMessageDeflate: false, handshakeTimeout: 30_000 });
    ws.once('open', () => {
      ws.pause();
      resolve(ws);
    });
    ws.once('unexpected-response', (req, res) => {
      void readText(res).then((text) => {
        req.destroy();
        if (res.statusCode === 404) reject(newNotFound({ group: '', resource: 'pods' }, podName));
        else if ((res.statusCode ?? 500) < 500) reject(newBadRequest(text));
        else reject(new StatusError(newStatus('InternalError', text || `kubelet answered ${res.statusCode ?? 0}`)));
      });
    });
    ws.once('error', (err) => reject(dialError(err)));
  });
}
