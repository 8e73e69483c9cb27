import { isNotFound } from '@nanokube/api';
import type { Logger } from '@nanokube/component-base';
import { realClock, type Clock } from '../clock.js';
import type { ResourceClient } from '../rest/resource-client.js';
import type { KubeObject } from '../rest/types.js';

/** The core/v1 Event fields the recorder writes. */
export interface CoreEvent extends KubeObject {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  involvedObject: { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string; fieldPath?: string };
  reason: string;
  message: string;
  type: 'Normal' | 'Warning';
  source: { component: string; host?: string };
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
  reportingComponent: string;
  reportingInstance: string;
}

/** The object an event is about; `fieldPath` points into it (e.g. `spec.containers{web}`). */
export interface EventTarget {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/**
 * EventRecorder writes core/v1 Events the way client-go's recorder does: one Event per distinct
 * (object, type, reason, message), and repeats bump `count` and `lastTimestamp` on the same Event instead
 * of creating new ones, so `kubectl describe` shows `(x5 over 2m)`. Recording never throws: an event that
 * cannot be written is logged and dropped, as upstream does.
 */
export class EventRecorder {
  private readonly seen = new Map<string, { name: string; namespace: string; count: number; first: string }>();
  private readonly clock: Clock;

  constructor(
    private readonly opts: { events: ResourceClient<CoreEvent>; component: string; host?: string; log: Logger; clock?: Clock },
  ) {
    this.clock = opts.clock ?? realClock;
  }

  event(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void {
    void this.record(target, type, reason, message, fieldPath).catch((err: unknown) =>
      this.opts.log.warn({ err, reason }, 'Could not record event'),
    );
  }

  private async record(target: EventTarget, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): Promise<void> {
    const meta = target.metadata ?? {};
    const namespace = meta.namespace || 'default';
    const key = [meta.uid ?? `${namespace}/${meta.name}`, fieldPath ?? '', type, reason, message].join('\u0000');
    const now = new Date(this.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const prior = this.seen.get(key);
    const events = this.opts.events.inNamespace(namespace);
    if (prior) {
      prior.count += 1;
      try {
        await events.patch(prior.name, 'merge', { count: prior.count, lastTimestamp: now });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        this.seen.delete(key);
      }
    }
    const name = `${meta.name ?? 'unknown'}.${(this.clock.now() * 1e6 + Math.floor(Math.random() * 1e6)).toString(16)}`;
    const ev: CoreEvent = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace },
      involvedObject: {
        ...(target.kind ? { kind: target.kind } : {}),
        ...(meta.namespace ? { namespace: meta.namespace } : {}),
        ...(meta.name ? { name: meta.name } : {}),
        ...(meta.uid ? { uid: meta.uid } : {}),
        ...(target.apiVersion ? { apiVersion: target.apiVersion } : {}),
        ...(meta.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      type,
      source: { component: this.opts.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.opts.component,
      reportingInstance: this.opts.host ?? '',
    };
    await events.create(ev);
    this.seen.set(key, { name, namespace, count: 1, first: now });
    // Bound memory like upstream's LRU of 4096 entries.
    if (this.seen.size > 4096) this.seen.delete(this.seen.keys().next().value as string);
  }
}
