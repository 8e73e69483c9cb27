import { mkdir, readdir, readFile } from 'node:fs/promises';
import { Backend } from '../backend/backend.js';
import { metaClusterKey, metaMemberKey, type BatchOp } from '../backend/schema.js';
import { parseSnapshot } from './format.js';

/**
 * restoreSnapshot builds a fresh data dir from a snapshot file. Like `etcdctl snapshot restore`, it
 * refuses a non-empty dir and gives the restored store new cluster and member IDs.
 */
export async function restoreSnapshot(file: string, dataDir: string): Promise<{ entries: number }> {
  const entries = parseSnapshot(await readFile(file));
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if ((await readdir(dataDir)).length > 0) throw new Error(`data dir ${dataDir} is not empty`);
  const backend = await Backend.open(dataDir);
  try {
    let ops: BatchOp[] = [];
    for (const [key, value] of entries) {
      if (key.equals(metaClusterKey) || key.equals(metaMemberKey)) continue;
      ops.push({ type: 'put', key, value });
      if (ops.length >= 1000) {
        await backend.write(ops);
        ops = [];
      }
    }
    await backend.write(ops);
  } finally {
    await backend.close();
  }
  return { entries: entries.length };
}
