import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning, startTicksOf, stopProcess } from './processes.js';

describe('process records', () => {
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  function startSleeper(ignoreTerm: boolean): number {
    const code = ignoreTerm ? "process.on('SIGTERM', () => {}); setTimeout(() => {}, 60000)" : 'setTimeout(() => {}, 60000)';
    const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
    started.push(child.pid as number);
    return child.pid as number;
  }

  it('recognises its process by pid and start time, not by pid alone', async () => {
    const pid = startSleeper(false);
    const startTicks = (await startTicksOf(pid)) as number;
    expect(startTicks).toBeGreaterThan(0);
    expect(await isRunning({ pid, startTicks })).toBe(true);
    // A recycled pid has another start time.
    expect(await isRunning({ pid, startTicks: startTicks + 1 })).toBe(false);
    expect(await isRunning({})).toBe(false);
  });

  it('stops with SIGTERM, falls back to SIGKILL after the grace period, and reports a missing process', async () => {
    const polite = startSleeper(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stopProcess({ pid: polite, startTicks: (await startTicksOf(polite)) as number }, 5_000)).toBe('stopped');
    const stubborn = startSleeper(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(await stopProcess({ pid: stubborn, startTicks: (await startTicksOf(stubborn)) as number }, 500)).toBe('killed');
    expect(await stopProcess({ pid: stubborn }, 500)).toBe('not-running');
  });
});
