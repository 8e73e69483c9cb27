/** The `events` resource (core/v1) and the printer shared with events.k8s.io/v1. */
import type { Event } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { since } from '../../shared/humanize.js';
import { defineStrategy } from '../../shared/strategy.js';
import { col, nameColumn, table } from '../../shared/table.js';
import type { FieldError } from '../../shared/validation.js';
import { invalid, required } from '../../shared/validation.js';

/** The fields of both Event shapes (core/v1 and events.k8s.io/v1) the printer reads. */
interface AnyEvent {
  metadata: { name?: string };
  type?: string;
  reason?: string;
  message?: string;
  note?: string;
  count?: number;
  deprecatedCount?: number;
  firstTimestamp?: string;
  deprecatedFirstTimestamp?: string;
  lastTimestamp?: string;
  deprecatedLastTimestamp?: string;
  eventTime?: string;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  regarding?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  deprecatedSource?: { component?: string; host?: string };
  reportingController?: string;
  reportingComponent?: string;
  reportingInstance?: string;
}

/** eventRow renders printEvent's cells for either Event shape. */
export function eventRow(o: KubeObject, now: Date): unknown[] {
  const e = o as unknown as AnyEvent;
  const firstTs = e.firstTimestamp ?? e.deprecatedFirstTimestamp;
  const first = firstTs ? since(firstTs, now) : since(e.eventTime, now);
  const lastTs = e.lastTimestamp ?? e.deprecatedLastTimestamp;
  let last = lastTs ? since(lastTs, now) : first;
  let count = e.count ?? e.deprecatedCount ?? 0;
  if (e.series) {
    last = since(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) count = 1;
  const obj = e.involvedObject ?? e.regarding ?? {};
  const kind = (obj.kind ?? '').toLowerCase();
  const target = obj.name ? `${kind}/${obj.name}` : kind;
  const src = e.source ?? e.deprecatedSource ?? {};
  const component = src.component || e.reportingController || e.reportingComponent || '';
  const instance = src.host || e.reportingInstance || '';
  return [
    last,
    e.type ?? '',
    e.reason ?? '',
    target,
    obj.fieldPath ?? '',
    instance ? `${component}, ${instance}` : component,
    (e.message ?? e.note ?? '').trim(),
    first,
    count,
    e.metadata.name ?? '',
  ];
}

/** eventTable is printEvent's column set (Last Seen first; Name last and wide). */
export const eventTable = table(
  [
    col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
    col('Reason', 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
    col('Object', 'The object that this event is about.'),
    col('Subobject', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', { wide: true }),
    col('Source', 'The component reporting this event. Should be a short machine understandable string.', { wide: true }),
    col('Message', 'A human-readable description of the status of this operation.'),
    col('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', { wide: true }),
    col('Count', 'The number of times this event has occurred.', { wide: true }),
    { ...nameColumn, priority: 1 },
  ],
  eventRow,
);

function validateEvent(e: Event): FieldError[] {
  const errs: FieldError[] = [];
  const ns = e.metadata?.namespace;
  const io = e.involvedObject;
  if (!io) errs.push(required('involvedObject'));
  else if (io.namespace && ns && io.namespace !== ns) errs.push(invalid('involvedObject.namespace', io.namespace, 'does not match event.namespace'));
  if (e.type && e.type !== 'Normal' && e.type !== 'Warning') errs.push(invalid('type', '', `has invalid value: ${e.type}`));
  return errs;
}

const ev = (o: KubeObject): Event => o as unknown as Event;

export const events: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<Event>({ validate: validateEvent }),
  table: eventTable,
  fieldSelectors: {
    'involvedObject.kind': (o) => ev(o).involvedObject?.kind ?? '',
    'involvedObject.namespace': (o) => ev(o).involvedObject?.namespace ?? '',
    'involvedObject.name': (o) => ev(o).involvedObject?.name ?? '',
    'involvedObject.uid': (o) => ev(o).involvedObject?.uid ?? '',
    'involvedObject.apiVersion': (o) => ev(o).involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': (o) => ev(o).involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': (o) => ev(o).involvedObject?.fieldPath ?? '',
    reason: (o) => ev(o).reason ?? '',
    reportingComponent: (o) => ev(o).reportingComponent ?? '',
    source: (o) => ev(o).source?.component ?? '',
    type: (o) => ev(o).type ?? '',
  },
};
