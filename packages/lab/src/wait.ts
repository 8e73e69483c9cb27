/** Waiting for what the lab starts: the store inside the master's namespace, and Nodes becoming Ready. */
import { execFile } from 'node:child_process';
import type { ResolvedKubeconfig } from '@nanokube/pki';
import { isReady, listNodes, type LabNodeObject } from './api.js';

// Polls a URL (POST {}) every 100 ms from inside the namespace; exits 0 on HTTP 200, 1 at the deadline.
const pollScript = `
const http = require('node:http');
const [url, ms] = process.argv.slice(1);
const deadline = Date.now() + Number(ms);
const once = () => {
  const req = http.request(url, { method: 'POST', timeout: 1000, headers: { 'content-type': 'application/json' } }, (res) => {
    res.resume();
    if (res.statusCode === 200) process.exit(0);
    retry();
  });
  req.on('error', retry);
  req.on('timeout', () => req.destroy());
  req.end('{}');
};
const retry = () => (Date.now() > deadline ? process.exit(1) : setTimeout(once, 100));
once();
`;

/** waitForUrlInNetns resolves once `url` answers 200 to a POST from inside netns, or rejects at the deadline. */
export function waitForUrlInNetns(netns: string, url: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('nsenter', [`--net=/run/netns/${netns}`, process.execPath, '-e', pollScript, url, String(timeoutMs)], { timeout: timeoutMs + 5_000 }, (err) =>
      err ? reject(new Error(`${url} in ${netns} did not answer within ${timeoutMs / 1000} s`)) : resolve(),
    );
  });
}

/** Options of {@link waitForNodes}. */
export interface WaitForNodesOptions {
  names: string[];
  timeoutMs: number;
  /** Also wait until every node has `spec.podCIDR` (when a controller-manager runs). */
  podCIDRs: boolean;
  /** Called once per node when it first turns Ready. */
  onReady: (name: string) => void;
  /** Returns a reason to give up early (a component exited), checked every round. */
  failed: () => Promise<string | undefined>;
}

/** waitForNodes polls the Node list until every named node is Ready (and has a pod CIDR when asked). */
export async function waitForNodes(kc: ResolvedKubeconfig, opts: WaitForNodesOptions): Promise<LabNodeObject[]> {
  const deadline = Date.now() + opts.timeoutMs;
  const seen = new Set<string>();
  let nodes: LabNodeObject[] = [];
  for (;;) {
    nodes = await listNodes(kc).catch(() => nodes);
    for (const n of nodes) {
      const name = n.metadata?.name ?? '';
      if (isReady(n) && opts.names.includes(name) && !seen.has(name)) {
        seen.add(name);
        opts.onReady(name);
      }
    }
    const done = opts.names.every((name) => {
      const n = nodes.find((o) => o.metadata?.name === name);
      return n !== undefined && isReady(n) && (!opts.podCIDRs || Boolean(n.spec?.podCIDR));
    });
    if (done) return nodes;
    const failure = await opts.failed();
    if (failure) throw new Error(failure);
    if (Date.now() > deadline) {
      const missing = opts.names.filter((n) => !seen.has(n));
      throw new Error(`nodes not Ready after ${opts.timeoutMs / 1000} s: ${missing.join(', ') || '(pod CIDRs missing)'}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
