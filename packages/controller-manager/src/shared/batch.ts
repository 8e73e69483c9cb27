/**
 * slowStartBatch calls fn `count` times in batches of 1, 2, 4, ... (starting at initialBatchSize), each
 * batch in parallel, and stops after the first batch in which any call failed. It returns how many calls
 * succeeded and the first error. A controller creating 500 pods against a quota or a broken admission
 * webhook thus sends a handful of doomed requests instead of 500 (upstream replicaset slowStartBatch).
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: (index: number) => Promise<void>,
): Promise<{ successes: number; error?: unknown }> {
  let remaining = count;
  let successes = 0;
  let index = 0;
  for (let batch = Math.min(remaining, Math.max(1, initialBatchSize)); batch > 0; batch = Math.min(2 * batch, remaining)) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn(index++)));
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += batch - failed.length;
    if (failed.length > 0) return { successes, error: failed[0]?.reason };
    remaining -= batch;
  }
  return { successes };
}
