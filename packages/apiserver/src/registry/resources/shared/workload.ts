/**
 * Validation shared by the workload kinds (ReplicaSets, Deployments, StatefulSets, DaemonSets, Jobs,
 * ReplicationControllers): label selectors, selector-vs-template matching, pod templates, replicas
 * and int-or-percent fields, with upstream's messages.
 */
import type { PodTemplateSpec } from 'kubernetes-types/core/v1.js';
import { validatePodSpec, type PodSpecValidationOptions } from './pod-spec/validation.js';
import type { FieldError, LabelSelectorLike } from './validation.js';
import {
  forbidden,
  goLabelSelector,
  goStringMap,
  invalid,
  invalidRendered,
  isValidLabelValue,
  notSupported,
  required,
  validateLabels,
} from './validation.js';
import { isQualifiedName } from './validation.js';

/** selectorMatches reports whether labels satisfy a LabelSelector (undefined selector matches nothing). */
export function selectorMatches(sel: LabelSelectorLike | undefined | null, labels: Record<string, string> | undefined | null): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const value = l[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(value ?? '')) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** mapSelectorMatches is the equality-map form (ReplicationController, Service). */
export function mapSelectorMatches(sel: Record<string, string> | undefined | null, labels: Record<string, string> | undefined | null): boolean {
  return Object.entries(sel ?? {}).every(([k, v]) => labels?.[k] === v);
}

/** validateLabelSelector is metav1validation.ValidateLabelSelector. */
export function validateLabelSelector(sel: LabelSelectorLike | undefined | null, path: string): FieldError[] {
  if (!sel) return [];
  const errs: FieldError[] = [];
  errs.push(...validateLabels(sel.matchLabels ?? undefined, `${path}.matchLabels`));
  for (const [i, e] of (sel.matchExpressions ?? []).entries()) {
    const p = `${path}.matchExpressions[${i}]`;
    const n = e.values?.length ?? 0;
    if (e.operator === 'In' || e.operator === 'NotIn') {
      if (n === 0) errs.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (e.operator === 'Exists' || e.operator === 'DoesNotExist') {
      if (n > 0) errs.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
    } else {
      errs.push(invalid(`${p}.operator`, e.operator, 'not a valid selector operator'));
    }
    for (const m of isQualifiedName(e.key)) errs.push(invalid(`${p}.key`, e.key, m));
    for (const [j, v] of (e.values ?? []).entries()) {
      for (const m of isValidLabelValue(v)) errs.push(invalid(`${p}.values[${j}]`, v, m));
    }
  }
  return errs;
}

function isEmptySelector(sel: LabelSelectorLike): boolean {
  return Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0;
}

/** Options of validateWorkloadSpec. */
export interface WorkloadValidationOptions extends PodSpecValidationOptions {
  /** The word in `empty selector is invalid for <kind>` (upstream says `deployment` for ReplicaSets too). */
  emptySelectorKind?: string;
  /** Path of the spec holding selector and template (default `spec`). */
  path?: string;
  /** The pod template may not set activeDeadlineSeconds (`activeDeadlineSeconds in ReplicaSet is not Supported`). */
  forbidDeadlineAs?: string;
}

/** validateSelectorAndTemplate checks selector, template labels matching, and the pod template. */
export function validateSelectorAndTemplate(
  spec: { selector?: LabelSelectorLike | null; template?: PodTemplateSpec } | undefined,
  opts: WorkloadValidationOptions,
): FieldError[] {
  const path = opts.path ?? 'spec';
  const errs: FieldError[] = [];
  const sel = spec?.selector;
  if (!sel) errs.push(required(`${path}.selector`));
  else {
    errs.push(...validateLabelSelector(sel, `${path}.selector`));
    if (isEmptySelector(sel) && opts.emptySelectorKind) {
      errs.push(invalidRendered(`${path}.selector`, goLabelSelector(sel), `empty selector is invalid for ${opts.emptySelectorKind}`));
    }
  }
  const template = spec?.template;
  if (!template) {
    errs.push(required(`${path}.template`));
    return errs;
  }
  const labels = template.metadata?.labels;
  if (!selectorMatches(sel, labels)) {
    errs.push(invalidRendered(`${path}.template.metadata.labels`, goStringMap(labels), '`selector` does not match template `labels`'));
  }
  errs.push(...validatePodTemplate(template, `${path}.template`, opts));
  return errs;
}

/** validatePodTemplate checks template labels, annotations and spec (ValidatePodTemplateSpec). */
export function validatePodTemplate(template: PodTemplateSpec, path: string, opts: WorkloadValidationOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateLabels(template.metadata?.labels, `${path}.metadata.labels`));
  errs.push(...validatePodSpec(template.spec, `${path}.spec`, opts));
  if (opts.forbidDeadlineAs && template.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(forbidden(`${path}.spec.activeDeadlineSeconds`, `activeDeadlineSeconds in ${opts.forbidDeadlineAs} is not Supported`));
  }
  return errs;
}

/** validateIntOrPercent checks an IntOrString field: ints >= 0, strings `N%` with N <= 100 when `max100`. */
export function validateIntOrPercent(v: number | string | undefined, path: string, max100 = true): FieldError[] {
  if (v === undefined) return [];
  if (typeof v === 'number') return v < 0 ? [invalid(path, v, 'must be greater than or equal to 0')] : [];
  const m = /^([0-9]+)%$/.exec(v);
  if (!m) {
    return [invalid(path, v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')")];
  }
  if (max100 && Number(m[1]) > 100) return [invalid(path, v, 'must not be greater than 100%')];
  return [];
}

/** isZeroIntOrPercent reports 0 or `0%`. */
export function isZeroIntOrPercent(v: number | string | undefined): boolean {
  return v === 0 || v === '0%';
}

/** validateUpdateStrategyType is NotSupported for an unknown strategy type. */
export function validateStrategyType(t: string | undefined, path: string, allowed: string[]): FieldError[] {
  if (t === undefined) return [required(path)];
  return allowed.includes(t) ? [] : [notSupported(path, t, allowed)];
}
