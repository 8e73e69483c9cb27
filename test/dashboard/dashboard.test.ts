/**
 * The dashboard in a real browser: `nanokube up --simulated-nodes 2`, a Deployment made with the real
 * kubectl, `nanokube dashboard` on a free loopback port, and headless Debian Chromium driven by
 * playwright-core. The page must show the nodes and the pods with their node and IP, grow new pod rows
 * when kubectl scales the Deployment (live watch, no reload), follow a pod's log when its row is clicked,
 * draw the metrics charts, and render real content in a screenshot.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nanokubeBin, startTestControlPlane, type TestControlPlane } from '../helpers/control-plane.js';
import { hasKubectl, Kubectl } from '../helpers/kubectl.js';
import { freePort } from '../helpers/ports.js';

const chromiumPath = '/usr/bin/chromium';

/** ensureChromium installs Debian's chromium when it is missing; it returns why it cannot, if it cannot. */
function ensureChromium(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  } catch (err) {
    return `apt-get install chromium failed: ${(err as Error).message}`;
  }
  return existsSync(chromiumPath) ? undefined : `${chromiumPath} is still missing after apt-get install chromium`;
}

/** startDashboard runs the dashboard verb in its own process and waits for its address line. */
async function startDashboard(kubeconfig: string, port: number): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [nanokubeBin, 'dashboard', '--kubeconfig', kubeconfig, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NANOKUBE_LOG_LEVEL: 'warn' },
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const deadline = Date.now() + 20_000;
  while (!output.includes('Serving the dashboard on ')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nanokube dashboard did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, url: `http://127.0.0.1:${port}/dashboard/` };
}

interface PodInfo {
  name: string;
  node: string;
  ip: string;
}

const chromiumMissing = hasKubectl() ? ensureChromium() : undefined;
if (chromiumMissing) console.warn(`skipping the dashboard browser test: ${chromiumMissing}`);

describe.skipIf(!hasKubectl() || chromiumMissing !== undefined)('nanokube dashboard in headless Chromium', () => {
  let cp: TestControlPlane;
  let kubectl: Kubectl;
  let dashboard: { child: ChildProcess; url: string };
  let tmp: string;
  let context: BrowserContext;
  let page: Page;

  /** runningPods asks kubectl for the web pods once all `want` are scheduled and have an IP. */
  async function runningPods(want: number): Promise<PodInfo[]> {
    const deadline = Date.now() + 60_000;
    for (let i = 0; Date.now() < deadline && i < 200; i++) {
      const list = JSON.parse(await kubectl.ok(['get', 'pods', '-l', 'app=web', '-o', 'json'])) as {
        items: { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status: { podIP?: string; phase?: string } }[];
      };
      const pods = list.items.filter((p) => !p.metadata.deletionTimestamp && p.status.phase === 'Running' && p.status.podIP && p.spec.nodeName);
      if (pods.length === want) return pods.map((p) => ({ name: p.metadata.name, node: p.spec.nodeName!, ip: p.status.podIP! }));
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`the web pods did not reach ${want} running`);
  }

  /** expectPodRows waits until the pods table holds exactly these pods, each row showing its node and IP. */
  async function expectPodRows(pods: PodInfo[]): Promise<void> {
    await page.waitForFunction((n) => document.querySelectorAll('#pods-table tbody tr').length === n, pods.length, { timeout: 30_000 });
    for (const pod of pods) {
      const row = page.locator(`#pods-table tbody tr[data-name="${pod.name}"]`);
      await expect.poll(async () => (await row.innerText()).split('\t').map((s) => s.trim()), { timeout: 15_000 }).toEqual(
        expect.arrayContaining([pod.name, pod.node, pod.ip, 'Running']),
      );
    }
  }

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'nk-dashboard-'));
    cp = await startTestControlPlane({ extraArgs: ['--simulated-nodes', '2'] });
    kubectl = new Kubectl(cp.adminConf);
    await kubectl.ok(['create', 'deployment', 'web', '--image=nginx', '--replicas=2']);
    dashboard = await startDashboard(cp.adminConf, await freePort());
    context = await chromium.launchPersistentContext(join(tmp, 'chromium-profile'), {
      executablePath: chromiumPath,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 1400 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  afterAll(async () => {
    await context?.close();
    if (dashboard && dashboard.child.exitCode === null) {
      const exited = new Promise((r) => dashboard.child.once('exit', r));
      dashboard.child.kill('SIGTERM');
      await exited;
    }
    await cp?.stop();
    if (kubectl) rmSync(kubectl.home, { recursive: true, force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('shows the nodes, and the pods with their node and IP', async () => {
    const pods = await runningPods(2);
    await page.goto(`${dashboard.url}#default`);
    await page.waitForFunction(() => document.querySelectorAll('#nodes-table tbody tr').length === 2, undefined, { timeout: 30_000 });
    for (const node of ['sim-0', 'sim-1']) {
      await expect.poll(() => page.locator(`#nodes-table tbody tr[data-name="${node}"]`).innerText(), { timeout: 30_000 }).toMatch(/\tReady\t/);
    }
    await expectPodRows(pods);
    await expect.poll(() => page.locator('#deployments-table tbody tr[data-name="web"]').innerText(), { timeout: 30_000 }).toMatch(/^web\t2\/2\t2\t2\t/);
    await expect.poll(() => page.locator('#conn').innerText()).toContain('live');
    expect(await page.locator('#namespace').inputValue()).toBe('default');
  });

  it('adds pod rows live when the deployment is scaled', async () => {
    // A marker on window survives only if the page is never reloaded.
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    await kubectl.ok(['scale', 'deployment', 'web', '--replicas=4']);
    await expectPodRows(await runningPods(4));
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await expect.poll(() => page.locator('#deployments-table tbody tr[data-name="web"]').innerText(), { timeout: 30_000 }).toMatch(/^web\t4\/4\t/);
  });

  it('shows a pod\'s log lines when its row is clicked', async () => {
    const [pod] = await runningPods(4);
    await page.locator(`#pods-table tbody tr[data-name="${pod!.name}"]`).click();
    await expect.poll(() => page.locator('#logs-title').innerText()).toBe(`default/${pod!.name}`);
    await expect.poll(() => page.locator('#logs').innerText(), { timeout: 20_000 }).toContain('simulated container nginx started');
  });

  it('charts CPU and memory per node from the metrics API', async () => {
    const groups = JSON.parse(await kubectl.ok(['get', '--raw', '/apis'])) as { groups: { name: string }[] };
    if (!groups.groups.some((g) => g.name === 'metrics.k8s.io')) {
      await expect.poll(() => page.locator('#metrics-state').innerText(), { timeout: 20_000 }).toContain('metrics not available');
      return;
    }
    // The page polls every 15 s; the first polls may come before the apiserver's first scrape.
    await page.waitForFunction(() => document.querySelectorAll('#chart-node-cpu rect.bar').length === 2, undefined, { timeout: 60_000, polling: 500 });
    expect(await page.locator('#chart-node-memory rect.bar').count()).toBe(2);
    expect(await page.locator('#chart-node-cpu').textContent()).toMatch(/sim-0.*\d+m/);
  });

  it('renders real content in a screenshot', async () => {
    const pods = await runningPods(4);
    const file = join(tmp, 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    // NANOKUBE_DASHBOARD_SCREENSHOT=FILE keeps a copy to look at (the temp dir is removed afterwards).
    const keep = process.env['NANOKUBE_DASHBOARD_SCREENSHOT'];
    if (keep) copyFileSync(file, keep);
    const png = readFileSync(file);
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect(png.length).toBeGreaterThan(30_000);
    const text = await page.evaluate(() => document.body.innerText);
    for (const pod of pods) expect(text).toContain(pod.name);
    expect(text).toContain('sim-0');
  });
});
