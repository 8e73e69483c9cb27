/**
 * `lab down`: stops every component, kills whatever else runs inside the lab's namespaces, deletes pod
 * namespaces, mounts and cgroups left by kubelets, the node namespaces, the bridge and the iptables
 * chain, removes the `nanokube-lab` context from the kubeconfig it was merged into, and (unless
 * `keepFiles`) the node folders and the lab folder when nothing else is left in it. Every step tolerates what is already gone, so it can be re-run.
 */
import { rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { killCgroupProcesses, removeCgroups, unmountUnder } from './cleanup.js';
import { deleteBridge, deleteNode, deletePodNamespaces, killNetnsProcesses, removeForwardRules } from './host-network.js';
import { removeLabContext } from './kubeconfigs.js';
import { podNetworkStateDir } from './pod-network.js';
import { shareDirOf, stopScriptProcesses } from './provisioner.js';
import { stopProcess } from './processes.js';
import { readState, statePath, writeState, type ComponentRecord } from './state.js';
import { nodeDirOf } from './topology.js';

/** Options of {@link labDown}. */
export interface LabDownOptions {
  dir: string;
  out: (line: string) => void;
  /** Keep the lab folder (logs, certificates); only the state file is removed. */
  keepFiles?: boolean;
}

// Agents stop first, then the controllers, then the apiserver, the store last.
const stopOrder = ['kubelet', 'proxy', 'dns', 'registry', 'scheduler', 'controller-manager', 'apiserver', 'store'];

/** labDown removes the lab recorded in `dir`; it is a no-op (with a message) when there is none. */
export async function labDown(opts: LabDownOptions): Promise<void> {
  const dir = resolve(opts.dir);
  const state = await readState(dir);
  if (!state) {
    opts.out(`no lab in ${dir}`);
    return;
  }
  const t = state.topology;
  for (const group of groupByStopOrder(state.components)) {
    await Promise.all(group.map(async (c) => {
      const how = await stopProcess(c, 10_000);
      if (how !== 'not-running') opts.out(`[${c.node}] ${c.name} ${how}`);
      delete c.pid;
      delete c.startTicks;
    }));
  }
  await writeState(state);
  if (state.provisioner === 'vagrant-scripts') {
    // What the scripts started and `up` did not get to record (it failed half-way), by their pid files.
    for (const c of await stopScriptProcesses(state)) opts.out(`[${c.split('/')[0]}] ${c.split('/')[1]} stopped (pid file)`);
  }
  const made = (node: string): boolean => state.created.includes(`netns:${node}`);
  for (const n of t.nodes.filter((x) => made(x.name))) {
    const killed = await killNetnsProcesses(n);
    if (killed) opts.out(`[${n.name}] killed ${killed} leftover process${killed === 1 ? '' : 'es'}`);
    const containers = await killCgroupProcesses(n.cgroupParent);
    if (containers) opts.out(`[${n.name}] killed ${containers} container process${containers === 1 ? '' : 'es'}`);
    const pods = await deletePodNamespaces(`${podNetworkStateDir(nodeDirOf(dir, n.name))}/pods`);
    if (pods.length) opts.out(`[${n.name}] deleted ${pods.length} pod namespace${pods.length === 1 ? '' : 's'}`);
  }
  const mounts = await unmountUnder(dir);
  if (mounts.length) opts.out(`[mounts] unmounted ${mounts.length} under ${dir}`);
  for (const n of t.nodes) await removeCgroups(n.cgroupParent);
  for (const n of t.nodes.filter((x) => made(x.name))) {
    await deleteNode(n);
    opts.out(`[network] ${n.name}: namespace ${n.netns} deleted`);
  }
  if (state.created.includes('iptables')) await removeForwardRules(t);
  if (state.created.includes('bridge')) {
    await deleteBridge(t);
    opts.out(`[network] bridge ${t.bridge} deleted`);
  }
  if (state.kubeconfig) {
    await removeLabContext(state.kubeconfig);
    opts.out(`[kubeconfig] context "nanokube-lab" removed from ${state.kubeconfig}`);
  }
  await rm(statePath(dir), { force: true });
  if (!opts.keepFiles) {
    // Only what the lab made: the node folders, then the lab folder itself if nothing else is in it.
    for (const n of t.nodes) await rm(nodeDirOf(dir, n.name), { recursive: true, force: true });
    if (state.provisioner === 'vagrant-scripts') await rm(shareDirOf(dir), { recursive: true, force: true });
    await rm(join(dir, 'lab.json.tmp'), { force: true });
    await rmdir(dir).catch(() => undefined);
  }
  opts.out(opts.keepFiles ? `lab removed; files kept in ${dir}` : 'lab removed');
}

function groupByStopOrder(components: ComponentRecord[]): ComponentRecord[][] {
  const rank = (c: ComponentRecord): number => {
    const i = stopOrder.indexOf(c.name);
    return i < 0 ? 0 : i;
  };
  const groups: ComponentRecord[][] = [];
  for (let r = 0; r < stopOrder.length; r++) groups.push(components.filter((c) => rank(c) === r));
  return groups.filter((g) => g.length > 0);
}
