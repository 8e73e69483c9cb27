import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { createLogger } from '@nanokube/component-base';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../__tests__/fake-clock.js';
import type { RuntimeService } from '../runtime/types.js';
import { ProbeManager } from './manager.js';

const log = createLogger({ component: 'test', level: 'silent', pretty: false });

/** A runtime whose exec answers from `answers[command[0]]` (exit code), counting calls per command. */
function setup(container: Container, opts: { simulated?: boolean } = {}) {
  const clock = new FakeClock();
  const answers: Record<string, number> = {};
  const calls: string[] = [];
  const events: string[] = [];
  const changes: string[] = [];
  const runtime = {
    exec: async (_id: string, cmd: string[]) => {
      calls.push(cmd[0] ?? '');
      return answers[cmd[0] ?? ''] ?? 0;
    },
  } as unknown as RuntimeService;
  const mgr = new ProbeManager({
    runtime,
    clock,
    log,
    simulated: opts.simulated ?? false,
    recorder: { event: (_t, type, reason, message, fieldPath) => events.push(`${type} ${reason} ${fieldPath ?? ''} ${message}`) },
    onChange: (uid) => changes.push(uid),
  });
  const pod: Pod = { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [container] } };
  const run = (id: string, startedAt = clock.now()) => mgr.update(pod, [{ name: container.name, id, startedAt }], '10.244.0.9');
  return { clock, answers, calls, events, changes, mgr, pod, run };
}

const exec = (cmd: string) => ({ exec: { command: [cmd] } });

describe('ProbeManager', () => {
  it('readiness: not ready until the first success after the initial delay, unready after failureThreshold failures', async () => {
    const s = setup({ name: 'web', readinessProbe: { ...exec('ready'), initialDelaySeconds: 5, periodSeconds: 1, failureThreshold: 3 } });
    s.run('c1');
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(false);
    await s.clock.advance(4000);
    expect(s.calls).toHaveLength(0);
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(false);
    await s.clock.advance(1000);
    expect(s.calls).toHaveLength(1);
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(true);
    expect(s.changes).toEqual(['u1']);
    s.answers['ready'] = 1;
    await s.clock.advance(2000);
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(true);
    await s.clock.advance(1000);
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(false);
    expect(s.changes).toEqual(['u1', 'u1']);
    expect(s.events.filter((e) => e.startsWith('Warning Unhealthy spec.containers{web} Readiness probe failed:'))).toHaveLength(3);
    // Readiness keeps probing after failing and recovers.
    s.answers['ready'] = 0;
    await s.clock.advance(1000);
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(true);
  });

  it('readiness: successThreshold needs consecutive successes', async () => {
    const s = setup({ name: 'web', readinessProbe: { ...exec('ready'), periodSeconds: 1, successThreshold: 2 } });
    s.run('c1');
    await s.clock.advance(0);
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(false);
    await s.clock.advance(1000);
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(true);
  });

  it('liveness: fails after the threshold, holds until a new container, then starts over', async () => {
    const s = setup({ name: 'web', livenessProbe: { ...exec('live'), periodSeconds: 10, failureThreshold: 2 } });
    s.answers['live'] = 1;
    s.run('c1');
    await s.clock.advance(0);
    expect(s.mgr.failed('c1')).toBeUndefined();
    await s.clock.advance(10_000);
    expect(s.mgr.failed('c1')).toBe('liveness');
    expect(s.changes).toEqual(['u1']);
    await s.clock.advance(30_000);
    expect(s.calls).toHaveLength(2);
    s.answers['live'] = 0;
    s.run('c2');
    await s.clock.advance(0);
    expect(s.calls).toHaveLength(3);
    expect(s.mgr.failed('c2')).toBeUndefined();
    expect(s.mgr.failed('c1')).toBeUndefined();
  });

  it('startup gates liveness and readiness and stops once it succeeded', async () => {
    const s = setup({
      name: 'web',
      startupProbe: { ...exec('start'), periodSeconds: 1, failureThreshold: 5 },
      livenessProbe: { ...exec('live'), periodSeconds: 1 },
      readinessProbe: { ...exec('ready'), periodSeconds: 1 },
    });
    s.answers['start'] = 1;
    s.run('c1');
    await s.clock.advance(2000);
    expect(s.calls.every((c) => c === 'start')).toBe(true);
    expect(s.mgr.started(s.pod, 'web', 'c1')).toBe(false);
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(false);
    s.answers['start'] = 0;
    await s.clock.advance(1000);
    expect(s.mgr.started(s.pod, 'web', 'c1')).toBe(true);
    const before = s.calls.filter((c) => c === 'start').length;
    await s.clock.advance(3000);
    expect(s.calls.filter((c) => c === 'start').length).toBe(before);
    expect(s.calls).toContain('live');
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(true);
  });

  it('a failing startup probe asks for a restart', async () => {
    const s = setup({ name: 'web', startupProbe: { ...exec('start'), periodSeconds: 1, failureThreshold: 2 } });
    s.answers['start'] = 1;
    s.run('c1');
    await s.clock.advance(1000);
    expect(s.mgr.failed('c1')).toBe('startup');
    expect(s.events[0]).toBe('Warning Unhealthy spec.containers{web} Startup probe failed: ');
  });

  it('containers without probes have no verdicts; simulated HTTP probes succeed', async () => {
    const s = setup({ name: 'web', readinessProbe: { httpGet: { port: 80, path: '/' }, periodSeconds: 1 } }, { simulated: true });
    expect(s.mgr.ready(s.pod, 'other', 'x')).toBeUndefined();
    expect(s.mgr.started(s.pod, 'web', 'c1')).toBeUndefined();
    s.run('c1');
    await s.clock.advance(0);
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(true);
    s.mgr.removePod('u1');
    expect(s.mgr.ready(s.pod, 'web', 'c1')).toBe(false);
  });
});
