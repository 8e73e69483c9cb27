/**
 * The printer and /scale pieces the workload resources share (Deployment, ReplicaSet, DaemonSet,
 * StatefulSet, Job, ReplicationController): upstream's printers end every workload table with Age and the
 * wide Containers, Images and (mostly) Selector columns read from the pod template.
 */
import type { KubeObject, ScaleSubresource, TableColumn, TableConverter } from '../../types.js';
import { ageColumn, ageOf, containersColumn, imagesColumn, labelSelectorString, layoutContainerCells, nameColumn, nameOf, selectorColumn } from './table.js';
import type { LabelSelectorLike } from './validation.js';

/** A workload as its printer reads it: a pod template with containers. */
export interface PodTemplateOwner {
  spec?: { template?: { spec?: { containers?: readonly { name?: string; image?: string }[] } } };
}

/** A workload whose selector is a LabelSelector (everything but ReplicationController). */
export interface LabelSelectorOwner {
  spec?: { selector?: LabelSelectorLike | null };
}

/** Options of {@link workloadTable}. */
export interface WorkloadTableOptions<T> {
  /** The kind's own columns, printed between Name and Age. */
  columns: TableColumn[];
  /** The cells of those columns. */
  cells(obj: T, now: Date): unknown[];
  /** The wide Selector column (its description and cell); omitted where upstream prints none (StatefulSet). */
  selector?: { description: string; cell(obj: T): string };
}

/**
 * workloadTable builds a workload printer: Name, the kind's own columns, Age, then the wide Containers,
 * Images and Selector columns.
 */
export function workloadTable<T extends PodTemplateOwner>(opts: WorkloadTableOptions<T>): TableConverter {
  const { selector } = opts;
  return {
    columns: [nameColumn, ...opts.columns, ageColumn, containersColumn, imagesColumn, ...(selector ? [selectorColumn(selector.description)] : [])],
    row: (o, now) => {
      const obj = o as unknown as T;
      const [containers, images] = layoutContainerCells(obj.spec?.template?.spec?.containers);
      return [nameOf(o), ...opts.cells(obj, now), ageOf(o, now), containers, images, ...(selector ? [selector.cell(obj)] : [])];
    },
  };
}

/** labelSelectorCell is the Selector cell of a workload with a LabelSelector ('' when it has none). */
export function labelSelectorCell(obj: LabelSelectorOwner): string {
  return labelSelectorString(obj.spec?.selector);
}

/** labelSelectorScale is the /scale subresource of a workload with `spec.replicas` and a LabelSelector. */
export const labelSelectorScale: ScaleSubresource = {
  specReplicasPath: 'spec.replicas',
  statusReplicasPath: 'status.replicas',
  selector: (o: KubeObject) => labelSelectorCell(o as unknown as LabelSelectorOwner) || undefined,
};
