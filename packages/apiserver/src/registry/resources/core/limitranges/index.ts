/** The `limitranges` resource (core/v1); upstream has no printer for it (Name, Created At). */
import type { LimitRange } from 'kubernetes-types/core/v1.js';
import { standardVerbs, type NanoResourceDefinition } from '../../shared/definition.js';
import { parseQuantityValue, quantityRegexText } from '../../shared/quantity.js';
import { defineStrategy } from '../../shared/strategy.js';
import { defaultTable } from '../../shared/table.js';
import type { FieldError } from '../../shared/validation.js';
import { invalid, notSupported, required } from '../../shared/validation.js';

const limitTypes = ['Container', 'Pod', 'PersistentVolumeClaim'];
const quantityFields = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;

function validateLimitRange(lr: LimitRange): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, item] of (lr.spec?.limits ?? []).entries()) {
    const p = `spec.limits[${i}]`;
    if (!item.type) errs.push(required(`${p}.type`));
    else if (!limitTypes.includes(item.type) && !item.type.includes('/')) errs.push(notSupported(`${p}.type`, item.type, limitTypes));
    for (const f of quantityFields) {
      for (const [name, q] of Object.entries(item[f] ?? {})) {
        const v = parseQuantityValue(q);
        if (v === undefined) errs.push(invalid(`${p}.${f}[${name}]`, q, `quantities must match the regular expression '${quantityRegexText}'`));
      }
    }
    for (const [name, q] of Object.entries(item.min ?? {})) {
      const max = item.max?.[name];
      if (max !== undefined && (parseQuantityValue(q) ?? 0) > (parseQuantityValue(max) ?? 0)) {
        errs.push(invalid(`${p}.min[${name}]`, q, `min value ${q} is greater than max value ${max}`));
      }
    }
  }
  return errs;
}

export const limitranges: NanoResourceDefinition = {
  group: '',
  versions: ['v1'],
  resource: 'limitranges',
  singular: 'limitrange',
  kind: 'LimitRange',
  namespaced: true,
  shortNames: ['limits'],
  verbs: standardVerbs,
  nameValidation: 'DNS1123Subdomain',
  strategy: defineStrategy<LimitRange>({ validate: validateLimitRange }),
  table: defaultTable,
};
