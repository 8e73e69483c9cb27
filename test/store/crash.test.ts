/**
 * Crash test of nanokube's store: concurrent writers while the store process is killed with
 * SIGKILL several times and restarted on the same data dir. Every acknowledged write must survive
 * with the revision it was acknowledged with, revisions must strictly increase, and a watcher that
 * reconnects from its last seen revision must see every revision exactly once (no gap, no dupe).
 */
import { afterAll, expect, it } from 'vitest';
import { EtcdClient, isUnavailable, type Watcher } from '@nanokube/store';
import { freePort, rmDir, startNanokube, type Backend } from './backends.js';

const writers = 8;
const kills = 3;
const runBetweenKillsMs = 1500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Ack {
  key: string;
  value: string;
  revision: number;
}

let backend: Backend | undefined;
let dataDir: string | undefined;
afterAll(async () => {
  await backend?.kill();
  if (dataDir) rmDir(dataDir);
});

it('survives kill -9 under concurrent writes without losing acknowledged writes or watch events', async () => {
  const port = await freePort();
  backend = await startNanokube({ port });
  dataDir = backend.dataDir;
  const client = new EtcdClient({ endpoint: backend.url, timeoutMs: 5000 });
  const startRevision = (await client.range('/crash/')).header.revision;
  let stop = false;

  // 1. Writers: unique keys, so each acknowledged key must hold exactly its acknowledged value.
  const acks: Ack[][] = Array.from({ length: writers }, () => []);
  const writerLoops = acks.map(async (mine, w) => {
    for (let seq = 0; !stop; seq++) {
      const key = `/crash/w${w}/${String(seq).padStart(6, '0')}`;
      const value = `${w}:${seq}`;
      try {
        const res = await client.put(key, value);
        mine.push({ key, value, revision: res.header.revision });
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        await sleep(20);
      }
    }
  });

  // 2. A watcher that resumes from its last revision after every disconnect.
  const seen: number[] = [];
  let reconnects = 0;
  let done = false;
  let current: Watcher | undefined;
  const watchLoop = (async () => {
    let next = startRevision + 1;
    while (!done) {
      try {
        current = await client.watch({ key: '/crash/', prefix: true, startRevision: next });
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        await sleep(50);
        continue;
      }
      try {
        for await (const resp of current) {
          for (const ev of resp.events) seen.push(ev.kv.modRevision);
          next = (seen.at(-1) ?? next - 1) + 1;
        }
      } catch (err) {
        if (!isUnavailable(err)) throw err;
        reconnects++;
      }
    }
  })();

  // 3. Kill -9 and restart, several times.
  for (let i = 0; i < kills; i++) {
    await sleep(runBetweenKillsMs);
    await backend.kill();
    backend = await startNanokube({ dataDir, port });
  }
  await sleep(runBetweenKillsMs);
  stop = true;
  await Promise.all(writerLoops);
  const finalRevision = (await client.range('/crash/')).header.revision;
  for (const deadline = Date.now() + 20_000; (seen.at(-1) ?? 0) < finalRevision && Date.now() < deadline; ) await sleep(50);
  done = true;
  await current?.cancel();
  await watchLoop;

  // 4. Every acknowledged write is there, with its revision; revisions increase per writer and are unique.
  const all = acks.flat();
  expect(all.length).toBeGreaterThan(100);
  for (const mine of acks) {
    for (let i = 1; i < mine.length; i++) expect(mine[i]!.revision).toBeGreaterThan(mine[i - 1]!.revision);
  }
  expect(new Set(all.map((a) => a.revision)).size).toBe(all.length);
  const stored = new Map((await client.range('/crash/', { prefix: true })).kvs.map((kv) => [kv.key.toString(), kv]));
  const lost = all.filter((a) => stored.get(a.key)?.value.toString() !== a.value || stored.get(a.key)?.modRevision !== a.revision);
  expect(lost, `lost or changed acknowledged writes: ${JSON.stringify(lost.slice(0, 5))}`).toEqual([]);

  // 5. The watcher saw every revision once, in order: no gap, no duplicate, across reconnects.
  expect(reconnects).toBeGreaterThanOrEqual(kills);
  const expected = Array.from({ length: finalRevision - startRevision }, (_, i) => startRevision + 1 + i);
  expect(seen.length).toBe(expected.length);
  expect(seen).toEqual(expected);
  await client.close();
  console.log(`crash test: ${all.length} acknowledged writes, ${kills} kills, ${reconnects} watch reconnects, revisions ${startRevision + 1}..${finalRevision}`);
});
