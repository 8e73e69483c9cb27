/**
 * ProbeManager runs the liveness, readiness and startup probes of a node's containers (upstream's
 * prober manager and workers): one worker per container and probe kind, probing every `periodSeconds`
 * after `initialDelaySeconds`, flipping its verdict only after `successThreshold` consecutive successes or
 * `failureThreshold` consecutive failures. Liveness and readiness wait for the startup probe to succeed;
 * a startup probe stops once it has. A failed liveness or startup verdict holds the worker until a new
 * container id appears (the pod worker restarts the container). Every failed run is a `Warning Unhealthy`
 * event (`Liveness probe failed: HTTP probe failed with statuscode: 500`), as upstream records them.
 *
 * Initial verdicts are upstream's: not ready, live, not started. Verdict changes call `onChange(podUid)`
 * so the pod is synced (its status written, a failed container restarted).
 */
import type { Container, Pod, Probe } from 'kubernetes-types/core/v1.js';
import type { Clock, EventTarget } from '@nanokube/client';
import type { Logger } from '@nanokube/component-base';
import type { RuntimeService } from '../runtime/types.js';
import { runHandler } from './handlers.js';

/** A probe kind. */
export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** A verdict as upstream's results manager keeps it. */
export type ProbeVerdict = 'success' | 'failure' | 'unknown';

/** Event sink (EventRecorder fits). */
export interface ProbeRecorder {
  event(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void;
}

/** A running container as the pod worker last saw it. */
export interface RunningContainer {
  name: string;
  id: string;
  /** Epoch milliseconds. */
  startedAt: number;
}

/** Options of {@link ProbeManager}. */
export interface ProbeManagerOptions {
  runtime: RuntimeService;
  recorder: ProbeRecorder;
  clock: Clock;
  log: Logger;
  /** Network probes succeed without connecting (the simulated runtime, where nothing listens). */
  simulated: boolean;
  /** Called when a verdict changes. */
  onChange(podUid: string): void;
}

const initialVerdict: Record<ProbeKind, ProbeVerdict> = { liveness: 'success', readiness: 'failure', startup: 'unknown' };
const kindTitle: Record<ProbeKind, string> = { liveness: 'Liveness', readiness: 'Readiness', startup: 'Startup' };

function probeOf(c: Container, kind: ProbeKind): Probe | undefined {
  return kind === 'liveness' ? c.livenessProbe : kind === 'readiness' ? c.readinessProbe : c.startupProbe;
}

interface Worker {
  uid: string;
  kind: ProbeKind;
  container: Container;
  pod: Pod;
  podIp: string;
  containerId: string;
  startedAt: number;
  running: boolean;
  lastResult: ProbeVerdict;
  resultRun: number;
  onHold: boolean;
  busy: boolean;
  timer?: { cancel(): void };
}

/** ProbeManager owns the probe workers of one node. */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>();
  /** Verdicts by `<kind>/<containerId>`. */
  private readonly verdicts = new Map<string, ProbeVerdict>();
  private stopped = false;

  constructor(private readonly opts: ProbeManagerOptions) {}

  /**
   * update tells the manager the newest pod and which of its containers run (with ids and start times):
   * workers start for containers with probes, follow container restarts, and stop for containers gone.
   */
  update(pod: Pod, running: RunningContainer[], podIp: string): void {
    if (this.stopped) return;
    const uid = pod.metadata?.uid ?? '';
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    const wanted = new Set<string>();
    const specs = [...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always'), ...(pod.spec?.containers ?? [])];
    for (const c of terminal ? [] : specs) {
      for (const kind of ['startup', 'liveness', 'readiness'] as const) {
        if (!probeOf(c, kind)) continue;
        const key = `${uid}/${c.name}/${kind}`;
        wanted.add(key);
        let w = this.workers.get(key);
        if (!w) {
          w = { uid, kind, container: c, pod, podIp, containerId: '', startedAt: 0, running: false, lastResult: 'unknown', resultRun: 0, onHold: false, busy: false };
          this.workers.set(key, w);
        }
        w.pod = pod;
        w.container = c;
        w.podIp = podIp;
        const rc = running.find((r) => r.name === c.name);
        const fresh = rc !== undefined && rc.id !== w.containerId;
        if (rc && fresh) {
          if (w.containerId) this.verdicts.delete(`${kind}/${w.containerId}`);
          w.containerId = rc.id;
          w.startedAt = rc.startedAt;
          w.lastResult = 'unknown';
          w.resultRun = 0;
          w.onHold = false;
          this.verdicts.set(`${kind}/${rc.id}`, initialVerdict[kind]);
        }
        w.running = rc !== undefined;
        // A new container is probed at once; otherwise the worker keeps its period.
        if (w.running && !w.busy && (fresh || !w.timer)) this.schedule(w, 0);
        if (!w.running) {
          w.timer?.cancel();
          delete w.timer;
        }
      }
    }
    for (const [key, w] of this.workers) if (w.uid === uid && !wanted.has(key)) this.dropWorker(key, w);
  }

  /** removePod stops every worker of the pod and forgets its verdicts. */
  removePod(uid: string): void {
    for (const [key, w] of this.workers) if (w.uid === uid) this.dropWorker(key, w);
  }

  /** ready is the readiness verdict of a running container; undefined = no readiness probe. */
  ready(pod: Pod, containerName: string, containerId: string): boolean | undefined {
    return this.verdictOf(pod, containerName, containerId, 'readiness');
  }

  /** started is the startup verdict of a running container; undefined = no startup probe. */
  started(pod: Pod, containerName: string, containerId: string): boolean | undefined {
    return this.verdictOf(pod, containerName, containerId, 'startup');
  }

  /** failed says which probe (if any) wants the container restarted. */
  failed(containerId: string): 'liveness' | 'startup' | undefined {
    if (this.verdicts.get(`liveness/${containerId}`) === 'failure') return 'liveness';
    if (this.verdicts.get(`startup/${containerId}`) === 'failure') return 'startup';
    return undefined;
  }

  /** stop cancels every worker. */
  stop(): void {
    this.stopped = true;
    for (const [key, w] of this.workers) this.dropWorker(key, w);
  }

  private verdictOf(pod: Pod, name: string, id: string, kind: ProbeKind): boolean | undefined {
    const c = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((x) => x.name === name);
    if (!c || !probeOf(c, kind)) return undefined;
    return (this.verdicts.get(`${kind}/${id}`) ?? initialVerdict[kind]) === 'success';
  }

  private dropWorker(key: string, w: Worker): void {
    w.timer?.cancel();
    delete w.timer;
    w.running = false;
    this.workers.delete(key);
    if (w.containerId) this.verdicts.delete(`${w.kind}/${w.containerId}`);
  }

  private schedule(w: Worker, ms: number): void {
    w.timer?.cancel();
    w.timer = this.opts.clock.setTimeout(() => {
      delete w.timer;
      void this.tick(w);
    }, ms);
  }

  private async tick(w: Worker): Promise<void> {
    const probe = probeOf(w.container, w.kind);
    if (!probe || !w.running || this.stopped) return;
    const periodMs = Math.max(1, probe.periodSeconds ?? 10) * 1000;
    w.busy = true;
    try {
      await this.doProbe(w, probe);
    } catch (err) {
      this.opts.log.warn({ err, podUid: w.uid, container: w.container.name, probe: w.kind }, 'Probe worker failed');
    } finally {
      w.busy = false;
    }
    if (w.running && this.workers.get(`${w.uid}/${w.container.name}/${w.kind}`) === w) this.schedule(w, periodMs);
  }

  /** doProbe is one step of upstream's worker.doProbe. */
  private async doProbe(w: Worker, probe: Probe): Promise<void> {
    if (w.onHold) return;
    const id = w.containerId;
    if (w.kind === 'readiness' && w.pod.metadata?.deletionTimestamp) {
      this.set(w, 'failure');
      return;
    }
    const now = this.opts.clock.now();
    if (now - w.startedAt < (probe.initialDelaySeconds ?? 0) * 1000) return;
    const hasStartup = probeOf(w.container, 'startup') !== undefined;
    const started = !hasStartup || this.verdicts.get(`startup/${id}`) === 'success';
    if (w.kind === 'startup' && started) return;
    if (w.kind !== 'startup' && !started) return;

    const outcome = await runHandler(probe, {
      runtime: this.opts.runtime,
      container: w.container,
      containerId: id,
      podIp: w.podIp,
      timeoutMs: Math.max(1, probe.timeoutSeconds ?? 1) * 1000,
      simulated: this.opts.simulated,
    });
    // The container changed while the probe ran: the result is about a container that is gone.
    if (w.containerId !== id || !w.running) return;
    const target: EventTarget = { apiVersion: 'v1', kind: 'Pod', metadata: w.pod.metadata ?? {} };
    const fieldPath = `spec.containers{${w.container.name}}`;
    if (outcome.result === 'unknown') {
      this.opts.recorder.event(target, 'Warning', 'Unhealthy', `${kindTitle[w.kind]} probe errored: ${outcome.message}`, fieldPath);
      return;
    }
    if (outcome.result === 'failure') {
      this.opts.recorder.event(target, 'Warning', 'Unhealthy', `${kindTitle[w.kind]} probe failed: ${outcome.message}`, fieldPath);
    }
    if (w.lastResult === outcome.result) w.resultRun++;
    else {
      w.lastResult = outcome.result;
      w.resultRun = 1;
    }
    const failureThreshold = probe.failureThreshold ?? 3;
    // Liveness and startup probes must have a success threshold of 1.
    const successThreshold = w.kind === 'readiness' ? (probe.successThreshold ?? 1) : 1;
    if (outcome.result === 'failure' && w.resultRun < failureThreshold) return;
    if (outcome.result === 'success' && w.resultRun < successThreshold) return;
    this.set(w, outcome.result);
    if ((w.kind === 'liveness' || w.kind === 'startup') && outcome.result === 'failure') {
      w.onHold = true;
      w.resultRun = 0;
    }
  }

  private set(w: Worker, verdict: ProbeVerdict): void {
    const key = `${w.kind}/${w.containerId}`;
    if (this.verdicts.get(key) === verdict) return;
    this.verdicts.set(key, verdict);
    this.opts.onChange(w.uid);
  }
}
