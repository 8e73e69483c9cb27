/** Deployment defaulting and validation (apps/v1 SetDefaults_Deployment, ValidateDeployment). */
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import { defaultPodTemplate } from '../../shared/pod-spec/defaults.js';
import { defineStatusStrategy, defineStrategy } from '../../shared/strategy.js';
import { setDefault } from '../../shared/util.js';
import type { FieldError } from '../../shared/validation.js';
import { fieldImmutable, forbidden, goLabelSelector, invalid, validateNonNegative } from '../../shared/validation.js';
import { deepEqual } from '../../shared/util.js';
import {
  isZeroIntOrPercent,
  validateIntOrPercent,
  validateSelectorAndTemplate,
  validateStrategyType,
} from '../../shared/workload.js';

/** defaultDeployment applies SetDefaults_Deployment. */
export function defaultDeployment(d: Deployment): void {
  const spec = d.spec;
  if (!spec) return;
  setDefault(spec, 'replicas', 1);
  const strategy = (spec.strategy ??= {});
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = (strategy.rollingUpdate ??= {});
    setDefault(ru, 'maxUnavailable', '25%');
    setDefault(ru, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec.template);
}

function validateStrategy(d: Deployment): FieldError[] {
  const s = d.spec?.strategy;
  const errs = validateStrategyType(s?.type, 'spec.strategy.type', ['Recreate', 'RollingUpdate']);
  if (s?.type === 'Recreate' && s.rollingUpdate) {
    errs.push(forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
  }
  const ru = s?.rollingUpdate;
  if (s?.type === 'RollingUpdate' && ru) {
    errs.push(...validateIntOrPercent(ru.maxUnavailable, 'spec.strategy.rollingUpdate.maxUnavailable'));
    errs.push(...validateIntOrPercent(ru.maxSurge, 'spec.strategy.rollingUpdate.maxSurge', false));
    if (isZeroIntOrPercent(ru.maxUnavailable) && isZeroIntOrPercent(ru.maxSurge)) {
      errs.push(invalid('spec.strategy.rollingUpdate.maxUnavailable', ru.maxUnavailable ?? 0, 'may not be 0 when `maxSurge` is 0'));
    }
  }
  return errs;
}

/** validateDeployment is ValidateDeploymentSpec for the common cases. */
export function validateDeployment(d: Deployment): FieldError[] {
  const spec = d.spec;
  const errs: FieldError[] = [];
  errs.push(...validateNonNegative(spec?.replicas, 'spec.replicas'));
  errs.push(...validateSelectorAndTemplate(spec, { emptySelectorKind: 'deployment', restartPolicies: ['Always'], forbidDeadlineAs: 'Deployment' }));
  errs.push(...validateStrategy(d));
  errs.push(...validateNonNegative(spec?.minReadySeconds, 'spec.minReadySeconds'));
  errs.push(...validateNonNegative(spec?.revisionHistoryLimit, 'spec.revisionHistoryLimit'));
  const pds = spec?.progressDeadlineSeconds;
  if (pds !== undefined) {
    errs.push(...validateNonNegative(pds, 'spec.progressDeadlineSeconds'));
    if (pds <= (spec?.minReadySeconds ?? 0)) errs.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  return errs;
}

/** validateSelectorImmutable: apps/v1 selectors never change. */
export function validateSelectorImmutable(sel: unknown, oldSel: unknown): FieldError[] {
  if (deepEqual(sel, oldSel)) return [];
  return [fieldImmutable('spec.selector', goLabelSelector(sel as Parameters<typeof goLabelSelector>[0]))];
}

/** deploymentStrategy: generation tracks spec and annotation changes. */
export const deploymentStrategy = defineStrategy<Deployment>({
  hasStatus: true,
  trackGeneration: true,
  generationOnAnnotations: true,
  defaults: defaultDeployment,
  validate: validateDeployment,
  validateUpdate: (d, old) => validateSelectorImmutable(d.spec?.selector, old.spec?.selector),
});

// Upstream's deploymentStatusStrategy keeps spec and labels only, so the revision annotation the
// controller writes with UpdateStatus is stored without bumping the generation.
export const deploymentStatusStrategy = defineStatusStrategy<Deployment>({ metadata: 'keepLabels' });
