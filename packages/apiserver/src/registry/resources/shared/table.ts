/**
 * Table helpers shared by the resources' printers (pkg/printers/internalversion/printers.go of 1.32):
 * the common Name/Age columns, container and image cells, label and selector rendering.
 */
import type { KubeObject, TableColumn, TableConverter } from '../../types.js';
import { since } from './humanize.js';
import type { LabelSelectorLike } from './validation.js';

const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const ageDescription =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** nameColumn is the `Name` column every printer starts with (format `name`, so kubectl can prefix `kind/`). */
export const nameColumn: TableColumn = { name: 'Name', type: 'string', format: 'name', description: nameDescription, priority: 0 };

/** ageColumn is the `Age` column, rendered with HumanDuration. */
export const ageColumn: TableColumn = { name: 'Age', type: 'string', description: ageDescription, priority: 0 };

/** col builds a column; `wide` marks priority 1 (shown only with `-o wide`). */
export function col(name: string, description: string, opts: { type?: TableColumn['type']; wide?: boolean } = {}): TableColumn {
  return { name, type: opts.type ?? 'string', description, priority: opts.wide ? 1 : 0 };
}

/** The three wide template columns of workload printers. */
export const containersColumn = col('Containers', 'Names of each container in the template.', { wide: true });
export const imagesColumn = col('Images', 'Images referenced by each container in the template.', { wide: true });
export function selectorColumn(description = 'A label query over pods.'): TableColumn {
  return col('Selector', description, { wide: true });
}

/** nameOf returns metadata.name. */
export function nameOf(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}

/** ageOf renders metadata.creationTimestamp as an age. */
export function ageOf(obj: KubeObject, now: Date): string {
  return since(obj.metadata.creationTimestamp, now);
}

/** layoutContainerCells joins container names and images with `,`, as upstream does. */
export function layoutContainerCells(containers: readonly { name?: string; image?: string }[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name ?? '').join(','), list.map((c) => c.image ?? '').join(',')];
}

/** formatLabels renders `a=b,c=d` sorted by key, `<none>` when empty (labels.FormatLabels). */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels?.[k] ?? ''}`).join(',');
}

/** labelSelectorString renders a LabelSelector as labels.Selector.String() does ('' for empty or missing). */
export function labelSelectorString(sel: LabelSelectorLike | undefined | null): string {
  if (!sel) return '';
  const reqs: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, text: `${k}=${v}` });
  for (const e of sel.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    switch (e.operator) {
      case 'In':
        reqs.push({ key: e.key, text: `${e.key} in (${values})` });
        break;
      case 'NotIn':
        reqs.push({ key: e.key, text: `${e.key} notin (${values})` });
        break;
      case 'Exists':
        reqs.push({ key: e.key, text: e.key });
        break;
      case 'DoesNotExist':
        reqs.push({ key: e.key, text: `!${e.key}` });
        break;
      default:
        reqs.push({ key: e.key, text: `${e.key} ${e.operator} (${values})` });
    }
  }
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map((r) => r.text).join(',');
}

/** formatLabelSelector is metav1.FormatLabelSelector: the selector string, `<none>` when empty. */
export function formatLabelSelector(sel: LabelSelectorLike | undefined | null): string {
  return labelSelectorString(sel) || '<none>';
}

/**
 * defaultTable is the apiserver's DefaultTableConvertor used for kinds without a printer
 * (Roles, ClusterRoles, LimitRanges, ...): `Name` and `Created At` (an RFC 3339 date cell).
 */
export const defaultTable: TableConverter = {
  columns: [
    nameColumn,
    {
      name: 'Created At',
      type: 'date',
      description: 'CreationTimestamp is a timestamp representing the server time when this object was created.',
      priority: 0,
    },
  ],
  row: (obj) => [nameOf(obj), rfc3339(obj.metadata.creationTimestamp)],
};

function rfc3339(ts: unknown): string {
  if (typeof ts !== 'string') return '';
  const t = Date.parse(ts);
  return Number.isNaN(t) ? ts : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** table builds a TableConverter from columns and a row function. */
export function table(columns: TableColumn[], row: (obj: KubeObject, now: Date) => unknown[]): TableConverter {
  return { columns, row };
}
