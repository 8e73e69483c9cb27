/** The `events` resource (core/v1) and upstream's Event printer, shared with events.k8s.io/v1. */
import type { Event } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { since } from '../../shared/humanize.js';
import { defineStrategy } from '../../shared/strategy.js';
import { col, nameColumn, table } from '../../shared/table.js';
import type { FieldError } from '../../shared/validation.js';
import { invalid, required } from '../../shared/validation.js';

/** What upstream's printEvent reads: the internal Event (core/v1 field names, both APIs convert to it). */
export interface PrintedEvent {
  name?: string | undefined;
  type?: string | undefined;
  reason?: string | undefined;
  message?: string | undefined;
  count?: number | undefined;
  firstTimestamp?: string | undefined;
  lastTimestamp?: string | undefined;
  eventTime?: string | undefined;
  series?: { count?: number | undefined; lastObservedTime?: string | undefined } | undefined;
  involvedObject?: { kind?: string | undefined; name?: string | undefined; fieldPath?: string | undefined } | undefined;
  source?: { component?: string | undefined; host?: string | undefined } | undefined;
  reportingController?: string | undefined;
  reportingInstance?: string | undefined;
}

/** printEvent renders upstream's printEvent cells (the wide set; the server always renders it). */
export function printEvent(e: PrintedEvent, now: Date): unknown[] {
  const first = e.firstTimestamp ? since(e.firstTimestamp, now) : since(e.eventTime, now);
  let last = e.lastTimestamp ? since(e.lastTimestamp, now) : first;
  let count = e.count ?? 0;
  if (e.series) {
    last = since(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) count = 1;
  const obj = e.involvedObject ?? {};
  const kind = (obj.kind ?? '').toLowerCase();
  const target = obj.name ? `${kind}/${obj.name}` : kind;
  const component = e.source?.component || e.reportingController || '';
  const instance = e.source?.host || e.reportingInstance || '';
  return [
    last,
    e.type ?? '',
    e.reason ?? '',
    target,
    obj.fieldPath ?? '',
    instance ? `${component}, ${instance}` : component,
    (e.message ?? '').trim(),
    first,
    count,
    e.name ?? '',
  ];
}

/** eventRow renders a core/v1 Event (whose JSON calls the reporting controller `reportingComponent`). */
export function eventRow(o: KubeObject, now: Date): unknown[] {
  const e = o as unknown as Event;
  return printEvent(
    {
      name: e.metadata?.name,
      type: e.type,
      reason: e.reason,
      message: e.message,
      count: e.count,
      firstTimestamp: e.firstTimestamp,
      lastTimestamp: e.lastTimestamp,
      eventTime: e.eventTime,
      series: e.series,
      involvedObject: e.involvedObject,
      source: e.source,
      reportingController: e.reportingComponent,
      reportingInstance: e.reportingInstance,
    },
    now,
  );
}

/** eventColumns are printEvent's columns (Last Seen first; Name last and wide). */
export const eventColumns = [
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
];

/** eventTable is the core/v1 Event table. */
export const eventTable = table(eventColumns, eventRow);

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
