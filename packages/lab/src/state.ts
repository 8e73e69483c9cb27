/**
 * The lab's state file, `<dir>/lab.json`: the topology it built and every component it started, with
 * the pid and the kernel's start time of each process (so a recycled pid is never mistaken for ours).
 * `lab stop|start|status|down` work from this file alone; it is rewritten atomically after each change.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabTopology } from './topology.js';

/** One component of one node, as started (or last started) by the lab. */
export interface ComponentRecord {
  node: string;
  /** `store`, `apiserver`, `controller-manager`, `scheduler`, `kubelet`, `proxy`. */
  name: string;
  /** Arguments after `nanokube`. */
  args: string[];
  logFile: string;
  /** Absent while stopped. */
  pid?: number;
  /** The process's start time in clock ticks since boot (`/proc/<pid>/stat` field 22). */
  startTicks?: number;
  /** The pid file a provisioning script keeps for it (`--provisioner vagrant-scripts`); kept in step by `stop`/`start`. */
  pidFile?: string;
}

/**
 * How the nodes were provisioned: `lab` (the lab starts each component itself; workers run `nanokube
 * join`) or `vagrant-scripts` (deploy/provision's common.sh, master.sh and worker.sh run in the nodes'
 * namespaces, as `vagrant up` runs them in the VMs).
 */
export type LabProvisioner = 'lab' | 'vagrant-scripts';

/** The provisioners `lab up --provisioner` takes. */
export const labProvisioners: readonly LabProvisioner[] = ['lab', 'vagrant-scripts'];

/** Everything `lab down` must undo, and how to run each component. */
export interface LabState {
  version: 1;
  dir: string;
  /** The `nanokube` entry script components are started from. */
  nanokubeBin: string;
  topology: LabTopology;
  /** Absent in state files written before provisioners existed: `lab`. */
  provisioner?: LabProvisioner;
  /** Steps of `lab up` that completed and so must be undone: `bridge`, `iptables`, `netns:<node>`. */
  created: string[];
  components: ComponentRecord[];
  /** The kubeconfig the lab context was merged into (removed again by `lab down`). */
  kubeconfig?: string;
  adminConf?: string;
}

/** statePath is where a lab in `dir` keeps its state. */
export function statePath(dir: string): string {
  return join(dir, 'lab.json');
}

/** readState loads the lab state of `dir`, or undefined when there is no lab there. */
export async function readState(dir: string): Promise<LabState | undefined> {
  try {
    return JSON.parse(await readFile(statePath(dir), 'utf8')) as LabState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** writeState saves the state atomically (write a temp file, then rename). */
export async function writeState(state: LabState): Promise<void> {
  const path = statePath(state.dir);
  await writeFile(`${path}.tmp`, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/** findComponent returns the record of one component of one node. */
export function findComponent(state: LabState, node: string, name: string): ComponentRecord | undefined {
  return state.components.find((c) => c.node === node && c.name === name);
}
