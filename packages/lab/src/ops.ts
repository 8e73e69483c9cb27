/**
 * The lab's day-to-day verbs: `stop` and `start` one component of one node (the lab's
 * `systemctl stop kubelet`), `status`, and `ssh` into a node (`vagrant ssh`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { isRunning, stopProcess } from './processes.js';
import { findComponent, readState, writeState, type LabState } from './state.js';
import { nodeDirOf } from './topology.js';
import { startPlanned } from './start.js';

/** loadLab reads the lab state of dir, failing with a hint when there is no lab. */
export async function loadLab(dir: string): Promise<LabState> {
  const state = await readState(resolve(dir));
  if (!state) throw new Error(`no lab in ${resolve(dir)}; run \`nanokube lab up\` first`);
  return state;
}

/** labStop stops one component of one node and records it as stopped. */
export async function labStop(opts: { dir: string; node: string; component: string }): Promise<string> {
  const state = await loadLab(opts.dir);
  const rec = requireComponent(state, opts.node, opts.component);
  const how = await stopProcess(rec, 10_000);
  // A script-started component's pid file goes with it, as the scripts' own stop does.
  if (rec.pidFile) await rm(rec.pidFile, { force: true });
  delete rec.pid;
  delete rec.startTicks;
  await writeState(state);
  return how === 'not-running' ? `${opts.node}/${opts.component} was not running` : `${opts.node}/${opts.component} ${how}`;
}

/** labStart starts one stopped component of one node again, with the command line it had. */
export async function labStart(opts: { dir: string; node: string; component: string }): Promise<string> {
  const state = await loadLab(opts.dir);
  const rec = requireComponent(state, opts.node, opts.component);
  if (await isRunning(rec)) return `${opts.node}/${opts.component} is already running (pid ${rec.pid})`;
  const started = await startPlanned(state, { node: rec.node, name: rec.name, args: rec.args });
  return `${opts.node}/${opts.component} started (pid ${started.pid}, log ${started.logFile})`;
}

/** labStatus renders a table of nodes and their components. */
export async function labStatus(opts: { dir: string }): Promise<string> {
  const state = await loadLab(opts.dir);
  const rows = [['NODE', 'ADDRESS', 'NAMESPACE', 'COMPONENT', 'STATE', 'PID']];
  for (const n of state.topology.nodes) {
    const ns = existsSync(`/run/netns/${n.netns}`) ? n.netns : `${n.netns} (missing)`;
    const comps = state.components.filter((c) => c.node === n.name);
    if (comps.length === 0) rows.push([n.name, n.ip, ns, '-', '-', '-']);
    for (const c of comps) {
      const up = await isRunning(c);
      rows.push([n.name, n.ip, ns, c.name, up ? 'running' : 'stopped', up ? String(c.pid) : '-']);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)) + 3);
  const lines = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join(''));
  const t = state.topology;
  const how = state.provisioner === 'vagrant-scripts' ? ', provisioned by deploy/provision (vagrant-scripts)' : '';
  return [`lab in ${state.dir}: bridge ${t.bridge} ${t.hostIP}/${t.prefixLength}${how}`, ...lines].join('\n') + '\n';
}

/**
 * labSsh runs a command (default: a login shell) inside the node's network namespace with the
 * terminal attached, and resolves to its exit code. `ip netns exec` gives the node's own /sys view.
 */
export async function labSsh(opts: { dir: string; node: string; command: string[] }): Promise<number> {
  const state = await loadLab(opts.dir);
  const node = state.topology.nodes.find((n) => n.name === opts.node);
  if (!node) throw new Error(`no node "${opts.node}" in this lab (nodes: ${state.topology.nodes.map((n) => n.name).join(', ')})`);
  const shell = process.env['SHELL'] || '/bin/bash';
  const command = opts.command.length ? opts.command : [shell, '-i'];
  const child = spawn('ip', ['netns', 'exec', node.netns, ...command], {
    stdio: 'inherit',
    cwd: nodeDirOf(state.dir, node.name),
    env: { ...process.env, NANOKUBE_NODE: node.name, PS1: `[root@${node.name} \\W]# ` },
  });
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolvePromise(code ?? (signal ? 128 : 1)));
  });
}

function requireComponent(state: LabState, node: string, name: string) {
  const rec = findComponent(state, node, name);
  if (rec) return rec;
  const known = state.components.filter((c) => c.node === node).map((c) => c.name);
  if (!state.topology.nodes.some((n) => n.name === node)) {
    throw new Error(`no node "${node}" in this lab (nodes: ${state.topology.nodes.map((n) => n.name).join(', ')})`);
  }
  throw new Error(`node ${node} runs no "${name}" (it runs: ${known.join(', ') || 'nothing'})`);
}
