/** The `horizontalpodautoscalers` resource: autoscaling/v2 (preferred, stored) and v1 by conversion. */
import type { HorizontalPodAutoscaler } from 'kubernetes-types/autoscaling/v2.js';
import type { KubeObject } from '../../../types.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { ageColumn, ageOf, col, nameColumn, table } from '../../shared/table.js';
import { setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { invalid, required, validatePositive } from '../../shared/validation.js';
import { hpaFromV1, hpaToV1 } from './convert.js';

type HPA = HorizontalPodAutoscaler;
type Metric = NonNullable<NonNullable<HPA['spec']>['metrics']>[number];
type MetricStatus = NonNullable<NonNullable<HPA['status']>['currentMetrics']>[number];

const scaleUpDefault = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Pods', value: 4, periodSeconds: 15 },
    { type: 'Percent', value: 100, periodSeconds: 15 },
  ],
};
const scaleDownDefault = { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] };

/** defaultHPA applies the v2 SetDefaults: minReplicas 1, CPU 80% when no metrics, behavior rules when behavior is set. */
export function defaultHPA(hpa: HPA): void {
  const spec = hpa.spec;
  if (!spec) return;
  setDefault(spec, 'minReplicas', 1);
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }];
  }
  if (spec.behavior) {
    for (const [key, def] of [['scaleUp', scaleUpDefault], ['scaleDown', scaleDownDefault]] as const) {
      const rules = (spec.behavior[key] ??= {});
      setDefault(rules, 'stabilizationWindowSeconds', def.stabilizationWindowSeconds);
      setDefault(rules, 'selectPolicy', def.selectPolicy);
      if (!rules.policies || rules.policies.length === 0) rules.policies = def.policies.map((p) => ({ ...p }));
    }
  }
}

function validateHPA(hpa: HPA): FieldError[] {
  const spec = hpa.spec;
  const errs: FieldError[] = [];
  if (!spec?.scaleTargetRef?.kind) errs.push(required('spec.scaleTargetRef.kind'));
  if (!spec?.scaleTargetRef?.name) errs.push(required('spec.scaleTargetRef.name'));
  const min = spec?.minReplicas;
  if (min !== undefined && min < 1) errs.push(invalid('spec.minReplicas', min, 'must be greater than or equal to 1'));
  const max = spec?.maxReplicas ?? 0;
  if (max < 1) errs.push(invalid('spec.maxReplicas', max, 'must be greater than 0'));
  else if (min !== undefined && max < min) errs.push(invalid('spec.maxReplicas', max, 'must be greater than or equal to `minReplicas`'));
  for (const [i, m] of (spec?.metrics ?? []).entries()) {
    if (m.type === 'Resource') errs.push(...validatePositive(m.resource?.target.averageUtilization, `spec.metrics[${i}].resource.target.averageUtilization`));
  }
  return errs;
}

function targetText(spec: Metric, status: MetricStatus | undefined): string {
  switch (spec.type) {
    case 'Resource':
    case 'ContainerResource': {
      const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const cur = spec.type === 'Resource' ? status?.resource : status?.containerResource;
      const name = src?.name ?? '';
      if (src?.target.averageValue !== undefined) return `${name}: ${cur?.current.averageValue ?? '<unknown>'}/${src.target.averageValue}`;
      const current = cur?.current.averageUtilization !== undefined ? `${cur.current.averageUtilization}%` : '<unknown>';
      const target = src?.target.averageUtilization !== undefined ? `${src.target.averageUtilization}%` : '<auto>';
      return `${name}: ${current}/${target}`;
    }
    case 'Pods':
      return `${status?.pods?.current.averageValue ?? '<unknown>'}/${spec.pods?.target.averageValue ?? ''}`;
    case 'Object':
    case 'External': {
      const target = spec.type === 'Object' ? spec.object?.target : spec.external?.target;
      const cur = spec.type === 'Object' ? status?.object?.current : status?.external?.current;
      if (target?.averageValue !== undefined) return `${cur?.averageValue ?? '<unknown>'}/${target.averageValue} (avg)`;
      return `${cur?.value ?? '<unknown>'}/${target?.value ?? ''}`;
    }
    default:
      return '<unknown type>';
  }
}

/** formatHPAMetrics renders the Targets cell (`cpu: 12%/50%`), at most two then `+ N more...`. */
export function formatHPAMetrics(hpa: HPA): string {
  const specs = hpa.spec?.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const statuses = hpa.status?.currentMetrics ?? [];
  const list = specs.map((m, i) => targetText(m, statuses[i]));
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const hpaTable = table(
  [
    nameColumn,
    col('Reference', 'scaleTargetRef points to the target resource to scale.'),
    col('Targets', 'metrics contains the specifications for which to use to calculate the desired replica count.'),
    col('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    col('MaxPods', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
    col('Replicas', 'currentReplicas is current number of replicas of pods managed by this autoscaler.'),
    ageColumn,
  ],
  (o: KubeObject, now: Date) => {
    const hpa = o as unknown as HPA;
    const ref = hpa.spec?.scaleTargetRef;
    return [
      o.metadata.name ?? '',
      `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
      formatHPAMetrics(hpa),
      hpa.spec?.minReplicas !== undefined ? String(hpa.spec.minReplicas) : '<unset>',
      hpa.spec?.maxReplicas ?? 0,
      hpa.status?.currentReplicas ?? 0,
      ageOf(o, now),
    ];
  },
);

export const horizontalpodautoscalers: NanoResourceDefinition = {
  group: 'autoscaling',
  versions: ['v2', 'v1'],
  resource: 'horizontalpodautoscalers',
  singular: 'horizontalpodautoscaler',
  kind: 'HorizontalPodAutoscaler',
  namespaced: true,
  shortNames: ['hpa'],
  categories: ['all'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<HPA>({ hasStatus: true, trackGeneration: true, defaults: defaultHPA, validate: validateHPA }),
  statusStrategy: defineStatusStrategy<HPA>(),
  table: hpaTable,
  convert: {
    toVersion: (obj, version) => (version === 'v1' ? hpaToV1(obj) : { ...obj, apiVersion: `autoscaling/${version}` }),
    fromVersion: (obj, version) => (version === 'v1' ? hpaFromV1(obj) : { ...obj, apiVersion: 'autoscaling/v2' }),
  },
};
