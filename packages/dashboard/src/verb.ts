/**
 * `nanokube dashboard`: the live web dashboard, served on loopback with the kubeconfig's credentials, as
 * `kubectl proxy` serves the API.
 */
import { configFromKubeconfig } from '@nanokube/client';
import { createLogger, formatHelp, parseFlags, shutdownSignal, stringFlag, UsageError, type FlagSpecs, type Verb } from '@nanokube/component-base';
import { buildDashboard, defaultAcceptHosts } from './server.js';

const flags: FlagSpecs = {
  kubeconfig: { type: 'string', description: 'Path to the kubeconfig whose credentials the dashboard uses (required)' },
  context: { type: 'string', description: 'The kubeconfig context to use (default: its current context)' },
  listen: { type: 'string', description: 'ADDR:PORT to serve the dashboard on', default: '127.0.0.1:8001' },
  'accept-hosts': {
    type: 'string',
    description: 'Comma-separated regular expressions of the Host names answered (default: localhost, 127.0.0.1, [::1])',
  },
};

const usage = 'nanokube dashboard --kubeconfig FILE [--listen 127.0.0.1:8001] [--context NAME] [--accept-hosts RE,...]';
const summary = 'Serve a live web dashboard of the cluster at http://ADDR:PORT/dashboard/ (read-only).';

/** parseListen reads `ADDR:PORT` (`[::1]:PORT` for IPv6). */
export function parseListen(text: string): { host: string; port: number } {
  const i = text.lastIndexOf(':');
  const port = Number(text.slice(i + 1));
  if (i <= 0 || text.slice(i + 1) === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`flag --listen must be ADDR:PORT, got "${text}"`);
  }
  return { host: text.slice(0, i).replace(/^\[|\]$/g, ''), port };
}

function parseAcceptHosts(text: string | undefined): RegExp[] {
  if (text === undefined) return defaultAcceptHosts;
  try {
    return text.split(',').filter((s) => s !== '').map((s) => new RegExp(s));
  } catch (err) {
    throw new UsageError(`flag --accept-hosts: ${(err as Error).message}`);
  }
}

async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, flags);
  if (f.values['help']) {
    process.stdout.write(formatHelp(usage, summary, flags));
    return 0;
  }
  const kubeconfig = stringFlag(f, 'kubeconfig', true) as string;
  const listen = parseListen(stringFlag(f, 'listen') ?? '127.0.0.1:8001');
  const acceptHosts = parseAcceptHosts(stringFlag(f, 'accept-hosts'));
  const context = stringFlag(f, 'context');
  const log = createLogger({ component: 'dashboard' });
  const signal = shutdownSignal();
  const config = await configFromKubeconfig(kubeconfig, { userAgent: 'nanokube-dashboard/v0.1.0', ...(context !== undefined ? { context } : {}) });
  const app = buildDashboard({ config, logger: log, acceptHosts });
  await app.listen({ host: listen.host, port: listen.port });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : listen.port;
  const shown = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  // The address line on stdout is the contract scripts and tests wait for, as `kubectl proxy` prints one.
  process.stdout.write(`Serving the dashboard on http://${shown}:${port}/dashboard/\n`);
  log.info({ listen: `${shown}:${port}`, server: config.server }, 'Serving the dashboard');
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  await app.close();
  return 0;
}

/** dashboardVerb is `nanokube dashboard`. */
export const dashboardVerb: Verb = { name: 'dashboard', summary, usage, flags, run };
