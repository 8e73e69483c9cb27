import { describe, expect, it } from 'vitest';
// The page's helpers are plain browser JavaScript; they are tested here, on Node, as they ship.
// @ts-expect-error: static/ is untyped JavaScript served as is.
import * as format from '../static/format.js';

const now = Date.parse('2026-01-10T12:00:00Z');
const ago = (secs: number): string => new Date(now - secs * 1000).toISOString();

describe('page formatting', () => {
  it('renders ages as kubectl does', () => {
    expect([5, 119, 125, 600, 3600, 3 * 3600 + 60, 30 * 3600, 3 * 86400 + 3600, 400 * 86400, 3 * 365 * 86400 + 86400].map((s) => format.age(ago(s), now)))
      .toEqual(['5s', '119s', '2m5s', '10m', '60m', '3h1m', '30h', '3d1h', '400d', '3y1d']);
    expect(format.age(undefined, now)).toBe('<unknown>');
  });

  it('parses quantities from the metrics API', () => {
    expect(format.parseQuantity('250m')).toBeCloseTo(0.25);
    expect(format.parseQuantity('12345678n')).toBeCloseTo(0.012345678);
    expect(format.parseQuantity('64Mi')).toBe(64 * 2 ** 20);
    expect(format.parseQuantity('1k')).toBe(1000);
    expect(format.parseQuantity('2')).toBe(2);
    expect(format.parseQuantity('bogus')).toBeNaN();
    expect(format.formatCpu(0.0123)).toBe('12m');
    expect(format.formatBytes(64 * 2 ** 20)).toBe('64Mi');
  });

  it('computes pod READY, RESTARTS and STATUS like kubectl', () => {
    const running = {
      spec: { containers: [{ name: 'a' }, { name: 'b' }] },
      status: { phase: 'Running', containerStatuses: [
        { ready: true, restartCount: 1, state: { running: {} } },
        { ready: false, restartCount: 2, state: { waiting: { reason: 'CrashLoopBackOff' } } },
      ] },
    };
    expect(format.podReady(running)).toBe('1/2');
    expect(format.podRestarts(running)).toBe(3);
    expect(format.podStatus(running)).toBe('CrashLoopBackOff');
    expect(format.podStatus({ status: { phase: 'Pending' } })).toBe('Pending');
    expect(format.podStatus({ metadata: { deletionTimestamp: ago(1) }, status: { phase: 'Running' } })).toBe('Terminating');
    expect(format.podStatus({ spec: { initContainers: [{}, {}] }, status: { phase: 'Pending', initContainerStatuses: [
      { state: { terminated: { exitCode: 0 } } }, { state: { running: {} } }] } })).toBe('Init:1/2');
    expect(format.podStatus({ status: { phase: 'Failed', containerStatuses: [{ state: { terminated: { exitCode: 3 } } }] } })).toBe('ExitCode:3');
  });

  it('computes node and service columns', () => {
    const node = {
      metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'Hostname', address: 'n' }, { type: 'InternalIP', address: '10.0.0.2' }] },
    };
    expect(format.nodeStatus(node)).toBe('Ready,SchedulingDisabled');
    expect(format.nodeRoles(node)).toBe('control-plane');
    expect(format.nodeRoles({})).toBe('<none>');
    expect(format.nodeIP(node)).toBe('10.0.0.2');
    const svc = { spec: { type: 'LoadBalancer', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] }, status: {} };
    expect(format.servicePorts(svc)).toBe('80:30080/TCP,53/UDP');
    expect(format.externalIP(svc)).toBe('<pending>');
    expect(format.externalIP({ ...svc, status: { loadBalancer: { ingress: [{ ip: '192.168.1.240' }] } } })).toBe('192.168.1.240');
    expect(format.eventObject({ involvedObject: { kind: 'Pod', name: 'web-1' } })).toBe('pod/web-1');
  });
});
