/**
 * A throw-away network topology for proxy tests, made only of network namespaces this file creates:
 * a "node" namespace (where the proxy's iptables rules go) joined by veth pairs to a "client"
 * namespace and to one namespace per "pod", each pod running a small HTTP server that answers with its
 * name. No namespace gets a default route; traffic never leaves these namespaces.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/** The topology handle. */
export interface Topology {
  node: string;
  client: string;
  clientIP: string;
  pods: { ns: string; ip: string; name: string }[];
  /** sh runs a shell command inside a namespace and returns its stdout (throws on failure). */
  sh(ns: string, command: string): string;
  /** get makes `count` fresh HTTP connections to url from the client namespace and returns the bodies. */
  get(url: string, count: number): Promise<string[]>;
  destroy(): void;
}

function run(args: string[]): string {
  const r = spawnSync(args[0] as string, args.slice(1), { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout;
}

const serverScript = `
const http = require('node:http');
http.createServer((req, res) => res.end(process.argv[1] + ' ' + req.socket.remoteAddress)).listen(8080, '0.0.0.0');
`;

const clientScript = `
const http = require('node:http');
const [url, count] = [process.argv[1], Number(process.argv[2])];
const one = () => new Promise((resolve) => {
  const req = http.get(url, { agent: false, timeout: 3000 }, (res) => { let b = ''; res.on('data', (d) => (b += d)); res.on('end', () => resolve(b)); });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => resolve('error: ' + e.message));
});
(async () => { const out = []; for (let i = 0; i < count; i++) out.push(await one()); process.stdout.write(JSON.stringify(out)); })();
`;

/** createTopology builds the namespaces with `podCount` pods on 10.250.<2+i>.2 and the client on 10.250.1.2. */
export async function createTopology(podCount: number): Promise<Topology> {
  const id = randomBytes(3).toString('hex');
  const node = `nk-test-${id}-node`;
  const client = `nk-test-${id}-client`;
  const namespaces = [node, client];
  const servers: ChildProcess[] = [];
  const pods: Topology['pods'] = [];
  const sh = (ns: string, command: string): string => run(['ip', 'netns', 'exec', ns, 'sh', '-c', command]);
  const destroy = (): void => {
    for (const s of servers) if (s.exitCode === null && s.pid) s.kill('SIGKILL');
    for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns]);
  };
  try {
    for (const ns of [node, client]) run(['ip', 'netns', 'add', ns]);
    // The service range is routed to a spare veth, as a node's default route would, so that packets
    // to a ClusterIP reach the FORWARD chain (and its REJECT rules) instead of failing routing.
    sh(node, `ip link set lo up && echo 1 > /proc/sys/net/ipv4/ip_forward && ip link add nk${id}d0 type veth peer name nk${id}d1 && ip link set nk${id}d0 up && ip link set nk${id}d1 up && ip route add 10.96.0.0/12 dev nk${id}d0`);
    const link = (ns: string, idx: string, subnet: number): void => {
      const inner = `nk${id}${idx}a`;
      const outer = `nk${id}${idx}b`;
      run(['ip', 'link', 'add', inner, 'netns', ns, 'type', 'veth', 'peer', 'name', outer, 'netns', node]);
      sh(ns, `ip link set lo up && ip addr add 10.250.${subnet}.2/24 dev ${inner} && ip link set ${inner} up && ip route add 10.250.0.0/16 via 10.250.${subnet}.1 && ip route add 10.96.0.0/12 via 10.250.${subnet}.1`);
      sh(node, `ip addr add 10.250.${subnet}.1/24 dev ${outer} && ip link set ${outer} up`);
    };
    link(client, 'c', 1);
    for (let i = 0; i < podCount; i++) {
      const ns = `nk-test-${id}-pod${i}`;
      namespaces.push(ns);
      run(['ip', 'netns', 'add', ns]);
      link(ns, `p${i}`, 2 + i);
      const name = `pod${i}`;
      const server = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', serverScript, name], { stdio: 'ignore' });
      servers.push(server);
      pods.push({ ns, ip: `10.250.${2 + i}.2`, name });
    }
    await waitForServers(sh, client, pods);
  } catch (err) {
    destroy();
    throw err;
  }
  const get = (url: string, count: number): Promise<string[]> =>
    new Promise((resolve, reject) => {
      const child = spawn('ip', ['netns', 'exec', client, process.execPath, '-e', clientScript, url, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', () => {
        try {
          resolve(JSON.parse(out) as string[]);
        } catch {
          reject(new Error(`client printed ${out}`));
        }
      });
    });
  return { node, client, clientIP: '10.250.1.2', pods, sh, get, destroy };
}

async function waitForServers(sh: (ns: string, c: string) => string, client: string, pods: Topology['pods']): Promise<void> {
  for (const pod of pods) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        sh(client, `curl -s -m 1 http://${pod.ip}:8080/ >/dev/null`);
        break;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

/** Whether this machine can run the namespace tests: root, iproute2 and the iptables tools. */
export const netnsAvailable =
  process.getuid?.() === 0 && ['ip', 'iptables-restore', 'iptables-save', 'curl'].every((tool) => spawnSync('which', [tool]).status === 0);
