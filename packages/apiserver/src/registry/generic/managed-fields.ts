/**
 * metadata.managedFields bookkeeping (a simplified server-side apply field manager):
 * - an Update by a manager records the fields it changed under `{manager, operation: Update}` and
 *   takes them from other managers (no conflicts for updates, as upstream);
 * - an Apply records exactly the applied fields under `{manager, operation: Apply}`; fields another
 *   Apply manager owns with a different value are conflicts (409) unless forced; fields this
 *   manager applied before, no longer applies and nobody else owns are removed from the object.
 */
import { newStatus, StatusError } from '@nanokube/api';
import type { KubeObject } from '../types.js';
import {
  changedFields,
  fieldSetOf,
  fromFieldsV1,
  removeAt,
  renderPath,
  toFieldsV1,
  valueAt,
  type FieldSet,
} from './field-set.js';
import { rfc3339 } from './objects.js';

/** One `metadata.managedFields` entry. */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

/** What a write asks of the field manager. */
export interface FieldManagerRequest {
  manager: string;
  apiVersion: string;
  now: Date;
  subresource?: string;
}

interface Owned {
  entry: ManagedFieldsEntry;
  set: FieldSet;
}

function readEntries(obj: KubeObject): Owned[] {
  const raw = obj.metadata.managedFields;
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((e): e is ManagedFieldsEntry => typeof e === 'object' && e !== null && typeof (e as { manager?: unknown }).manager === 'string')
    .map((e) => ({ entry: { ...e }, set: fromFieldsV1(e.fieldsV1) }));
}

function sameSlot(e: ManagedFieldsEntry, req: FieldManagerRequest, op: 'Apply' | 'Update'): boolean {
  return e.manager === req.manager && e.operation === op && (e.subresource ?? '') === (req.subresource ?? '');
}

/** writeEntries stores the entries; emptied ones are dropped, except the writer's own (`keep`). */
function writeEntries(obj: KubeObject, owned: Owned[], keep: Owned | undefined): void {
  const out: ManagedFieldsEntry[] = [];
  for (const o of owned) {
    if (o.set.size === 0 && o !== keep) continue;
    out.push({ ...o.entry, fieldsV1: toFieldsV1(o.set) });
  }
  obj.metadata.managedFields = out;
}

function upsert(owned: Owned[], req: FieldManagerRequest, op: 'Apply' | 'Update', set: FieldSet): Owned {
  const entry: ManagedFieldsEntry = {
    manager: req.manager,
    operation: op,
    apiVersion: req.apiVersion,
    time: rfc3339(req.now),
    fieldsType: 'FieldsV1',
    fieldsV1: {},
    ...(req.subresource ? { subresource: req.subresource } : {}),
  };
  const slot = { entry, set };
  const i = owned.findIndex((o) => sameSlot(o.entry, req, op));
  if (i >= 0) owned[i] = slot;
  else owned.push(slot);
  return slot;
}

/**
 * recordUpdate updates obj's managedFields for a create (old undefined) or update by req.manager.
 * obj is mutable; old is the stored object.
 */
export function recordUpdate(obj: KubeObject, old: KubeObject | undefined, req: FieldManagerRequest): void {
  const changed = old
    ? changedFields(old as Record<string, unknown>, obj as Record<string, unknown>, req.subresource)
    : fieldSetOf(obj as Record<string, unknown>, req.subresource);
  const owned = readEntries(obj);
  if (changed.size === 0 && owned.some((o) => sameSlot(o.entry, req, 'Update'))) return;
  for (const o of owned) if (!sameSlot(o.entry, req, 'Update')) for (const p of changed) o.set.delete(p);
  const mine = owned.find((o) => sameSlot(o.entry, req, 'Update'))?.set ?? new Set<string>();
  writeEntries(obj, owned, upsert(owned, req, 'Update', new Set([...mine, ...changed])));
}

/**
 * prepareApply checks an apply of `applied` onto `live` for conflicts and returns the live object
 * with the fields this manager stopped applying removed (mutable copy), plus a finisher that records
 * the managedFields on the merged result.
 */
export function prepareApply(
  live: KubeObject,
  applied: KubeObject,
  req: FieldManagerRequest & { force: boolean },
): { base: KubeObject; finish: (merged: KubeObject) => void } {
  const appliedSet = fieldSetOf(applied as Record<string, unknown>, req.subresource);
  const owned = readEntries(live);
  const conflicts: { manager: string; apiVersion: string; path: string }[] = [];
  for (const o of owned) {
    if (o.entry.operation !== 'Apply' || sameSlot(o.entry, req, 'Apply')) continue;
    for (const p of appliedSet) {
      if (!o.set.has(p)) continue;
      const elems = p.split('\n');
      if (JSON.stringify(valueAt(live, elems)) !== JSON.stringify(valueAt(applied, elems))) {
        conflicts.push({ manager: o.entry.manager, apiVersion: o.entry.apiVersion, path: p });
      }
    }
  }
  if (conflicts.length > 0 && !req.force) throw applyConflict(live, conflicts);

  const base = structuredClone(live) as KubeObject;
  const prev = owned.find((o) => sameSlot(o.entry, req, 'Apply'))?.set ?? new Set<string>();
  const othersOwn = (p: string): boolean => owned.some((o) => !sameSlot(o.entry, req, 'Apply') && o.set.has(p));
  for (const p of prev) if (!appliedSet.has(p) && !othersOwn(p)) removeAt(base, p.split('\n'));

  const finish = (merged: KubeObject): void => {
    for (const o of owned) {
      if (sameSlot(o.entry, req, 'Apply')) continue;
      for (const p of appliedSet) {
        const elems = p.split('\n');
        const changed = JSON.stringify(valueAt(live, elems)) !== JSON.stringify(valueAt(merged, elems));
        if (changed || (req.force && o.entry.operation === 'Apply')) o.set.delete(p);
      }
    }
    writeEntries(merged, owned, upsert(owned, req, 'Apply', appliedSet));
  };
  return { base, finish };
}

function applyConflict(live: KubeObject, conflicts: { manager: string; apiVersion: string; path: string }[]): StatusError {
  const n = conflicts.length;
  const head = `Apply failed with ${n} conflict${n === 1 ? '' : 's'}`;
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const k = `"${c.manager}" using ${c.apiVersion}`;
    byManager.set(k, [...(byManager.get(k) ?? []), renderPath(c.path)]);
  }
  const parts = [...byManager].map(([who, paths]) =>
    paths.length === 1 ? `conflict with ${who}: ${paths[0]}` : `conflicts with ${who}:\n- ${paths.join('\n- ')}`,
  );
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with "${c.manager}" using ${c.apiVersion}`,
    field: renderPath(c.path),
  }));
  const status = newStatus('Conflict', `${head}: ${parts.join('\n')}`, {
    ...(live.metadata.name ? { name: live.metadata.name } : {}),
    causes,
  });
  return new StatusError(status);
}
