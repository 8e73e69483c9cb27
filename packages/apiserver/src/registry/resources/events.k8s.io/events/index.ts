/**
 * The `events` resource of events.k8s.io/v1. Upstream stores it with core/v1 Events and converts;
 * here it is its own resource under the storage prefix `events.events.k8s.io` (core Events are not
 * visible through it). Its table is upstream's Event printer over the fields the conversion to the
 * internal Event maps: regarding -> involvedObject, note -> message, deprecatedSource -> source,
 * deprecatedFirstTimestamp/deprecatedLastTimestamp/deprecatedCount -> firstTimestamp/lastTimestamp/count.
 */
import type { Event } from 'kubernetes-types/events/v1.js';
import type { KubeObject } from '../../../types.js';
import { eventColumns, printEvent } from '../../core/events/index.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStrategy } from '../../shared/strategy.js';
import { table } from '../../shared/table.js';
import type { FieldError } from '../../shared/validation.js';
import { notSupported, required } from '../../shared/validation.js';

function validateEvent(e: Event): FieldError[] {
  const errs: FieldError[] = [];
  if (!e.eventTime) errs.push(required('eventTime'));
  if (e.type && e.type !== 'Normal' && e.type !== 'Warning') errs.push(notSupported('type', e.type, ['Normal', 'Warning']));
  if (!e.reportingController) errs.push(required('reportingController'));
  if (!e.reportingInstance) errs.push(required('reportingInstance'));
  if (!e.action) errs.push(required('action'));
  if (!e.reason) errs.push(required('reason'));
  if ((e.note?.length ?? 0) > 1024) errs.push({ type: 'FieldValueTooLong', field: 'note', detail: 'Too long: may not be more than 1024 bytes' });
  return errs;
}

const ev = (o: KubeObject): Event => o as unknown as Event;

/** eventRow renders an events.k8s.io/v1 Event as upstream does after converting it to the internal Event. */
export function eventRow(o: KubeObject, now: Date): unknown[] {
  const e = ev(o);
  return printEvent(
    {
      name: e.metadata?.name,
      type: e.type,
      reason: e.reason,
      message: e.note,
      count: e.deprecatedCount,
      firstTimestamp: e.deprecatedFirstTimestamp,
      lastTimestamp: e.deprecatedLastTimestamp,
      eventTime: e.eventTime,
      series: e.series,
      involvedObject: e.regarding,
      source: e.deprecatedSource,
      reportingController: e.reportingController,
      reportingInstance: e.reportingInstance,
    },
    now,
  );
}

/** The events.k8s.io/v1 table: the core Event columns, cells from the events.k8s.io fields. */
export const eventsV1Table = table(eventColumns, eventRow);

export const eventsV1: NanoResourceDefinition = {
  group: 'events.k8s.io',
  versions: ['v1'],
  resource: 'events',
  singular: 'event',
  kind: 'Event',
  namespaced: true,
  shortNames: ['ev'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  storageResource: 'events.events.k8s.io',
  strategy: defineStrategy<Event>({ validate: validateEvent }),
  table: eventsV1Table,
  fieldSelectors: {
    'regarding.kind': (o) => ev(o).regarding?.kind ?? '',
    'regarding.namespace': (o) => ev(o).regarding?.namespace ?? '',
    'regarding.name': (o) => ev(o).regarding?.name ?? '',
    'regarding.uid': (o) => ev(o).regarding?.uid ?? '',
    reason: (o) => ev(o).reason ?? '',
    reportingController: (o) => ev(o).reportingController ?? '',
    type: (o) => ev(o).type ?? '',
  },
};
