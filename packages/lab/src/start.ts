/** Starting one of the lab's components and recording it in the state file. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ComponentPlan } from './components.js';
import { startDetached } from './processes.js';
import { writeState, type ComponentRecord, type LabState } from './state.js';
import { netnsOf, nodeDirOf } from './topology.js';

/**
 * startPlanned starts one planned component and records it, replacing an older record of it. A component
 * a provisioning script started keeps its pid file, which gets the new pid (as the script's own
 * `service.sh start` would write it).
 */
export async function startPlanned(state: LabState, plan: ComponentPlan): Promise<ComponentRecord> {
  const logFile = join(nodeDirOf(state.dir, plan.node), 'logs', `${plan.name}.log`);
  const ref = await startDetached({ netns: netnsOf(state.topology, plan.node), nanokubeBin: state.nanokubeBin, args: plan.args, logFile, cwd: state.dir });
  const old = state.components.find((c) => c.node === plan.node && c.name === plan.name);
  const rec: ComponentRecord = { ...plan, logFile, pid: ref.pid, startTicks: ref.startTicks, ...(old?.pidFile ? { pidFile: old.pidFile } : {}) };
  if (rec.pidFile) await writeFile(rec.pidFile, `${ref.pid}\n`);
  state.components = [...state.components.filter((c) => c !== old), rec];
  await writeState(state);
  return rec;
}
