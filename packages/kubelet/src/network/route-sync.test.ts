import type { Node } from 'kubernetes-types/core/v1.js';
import { createLogger } from '@nanokube/component-base';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeAddressing } from './host-gw.js';
import { NodeRouteController } from './route-sync.js';

const log = createLogger({ component: 'test', level: 'silent', pretty: false });

function node(name: string, ip: string, podCIDR?: string): Node {
  return { metadata: { name }, spec: podCIDR ? { podCIDR } : {}, status: { addresses: [{ type: 'InternalIP', address: ip }] } };
}

async function until(check: () => boolean, ms = 3_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('NodeRouteController', () => {
  let stop = new AbortController();
  afterEach(() => {
    stop.abort();
    stop = new AbortController();
  });

  it('syncs once the node list is complete, then on changes (coalesced), skipping unchanged lists, retrying failures', async () => {
    let nodes: Node[] = [node('master', '192.168.56.10', '10.244.0.0/24'), node('worker01', '192.168.56.101', '10.244.1.0/24')];
    const synced: NodeAddressing[][] = [];
    let fail = 0;
    let listed!: () => void;
    const listedOnce = new Promise<void>((r) => (listed = r));
    const ctl = new NodeRouteController({
      nodes: () => nodes,
      waitForSync: () => listedOnce,
      routes: {
        syncRoutes: async (n) => {
          if (fail > 0) {
            fail--;
            throw new Error('ip failed');
          }
          synced.push([...n]);
        },
      },
      log,
      debounceMs: 20,
      retryMs: 50,
      resyncMs: 60_000,
    });
    const done = ctl.run(stop.signal);
    await new Promise((r) => setTimeout(r, 50));
    expect(synced).toEqual([]);
    listed();
    await until(() => synced.length === 1);
    expect(synced[0]?.map((n) => n.name)).toEqual(['master', 'worker01']);

    // A burst of changes: one sync with the final list.
    nodes = [...nodes, node('worker02', '192.168.56.102', '10.244.2.0/24')];
    ctl.changed();
    nodes = [...nodes, node('worker03', '192.168.56.103', '10.244.3.0/24')];
    ctl.changed();
    await until(() => synced.length === 2);
    expect(synced[1]?.map((n) => n.name)).toEqual(['master', 'worker01', 'worker02', 'worker03']);

    // A heartbeat (same addresses and CIDRs) applies nothing.
    ctl.changed();
    await new Promise((r) => setTimeout(r, 100));
    expect(synced).toHaveLength(2);

    // A node goes away while `ip` fails once: retried.
    fail = 1;
    nodes = nodes.filter((n) => n.metadata?.name !== 'worker02');
    ctl.changed();
    await until(() => synced.length === 3);
    expect(synced[2]?.map((n) => n.name)).toEqual(['master', 'worker01', 'worker03']);
    stop.abort();
    await done;
  });

  it('re-applies the routes every resync period (repairing routes removed by hand)', async () => {
    let count = 0;
    const ctl = new NodeRouteController({
      nodes: () => [node('a', '10.0.0.1', '10.244.9.0/24')],
      waitForSync: async () => undefined,
      routes: { syncRoutes: async () => void count++ },
      log,
      resyncMs: 40,
    });
    const done = ctl.run(stop.signal);
    await until(() => count >= 3);
    stop.abort();
    await done;
  });
});
