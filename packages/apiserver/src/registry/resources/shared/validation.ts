/**
 * The validation vocabulary every resource folder uses: apimachinery's field-error builders and
 * name validators from `@nanokube/api`, plus renderers for the Go `%#v` values upstream prints in a
 * few well-known messages (label maps, LabelSelectors).
 */
import type { FieldError } from '@nanokube/api';
import { goQuote, invalid, isDNS1123Label, isDNS1123Subdomain, isDNS1035Label, isValidPathSegmentName } from '@nanokube/api';

export {
  duplicate,
  forbidden,
  goQuote,
  invalid,
  isDNS1123Label,
  isDNS1123Subdomain,
  isDNS1035Label,
  isQualifiedName,
  isValidIP,
  isValidIPv4,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  notFound,
  notSupported,
  required,
  tooLong,
  tooMany,
  validateAnnotations,
  validateLabels,
  validateObjectMeta,
} from '@nanokube/api';
export type { FieldError };

/** How a resource's metadata.name is validated (upstream's per-kind ValidateNameFunc). */
export type NameValidation = 'DNS1123Subdomain' | 'DNS1123Label' | 'DNS1035Label' | 'PathSegment';

/** nameValidator returns the check for one NameValidation; `prefix` relaxes a trailing dash (generateName). */
export function nameValidator(kind: NameValidation): (name: string, prefix: boolean) => string[] {
  const mask = (n: string, prefix: boolean): string => (prefix && n.length > 1 && n.endsWith('-') ? `${n.slice(0, -1)}a` : n);
  switch (kind) {
    case 'DNS1123Label':
      return (n, p) => isDNS1123Label(mask(n, p));
    case 'DNS1035Label':
      return (n, p) => isDNS1035Label(mask(n, p));
    case 'PathSegment':
      return (n) => isValidPathSegmentName(n);
    default:
      return (n, p) => isDNS1123Subdomain(mask(n, p));
  }
}

/** goStringMap renders a label map as Go's `%#v` does: `map[string]string{"a":"b", "c":"d"}` (sorted keys). */
export function goStringMap(m: Record<string, string> | undefined | null): string {
  if (!m) return 'map[string]string(nil)';
  const entries = Object.keys(m)
    .sort()
    .map((k) => `${goQuote(k)}:${goQuote(m[k] ?? '')}`);
  return `map[string]string{${entries.join(', ')}}`;
}

/** The LabelSelector shape (metav1.LabelSelector). */
export interface LabelSelectorLike {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

/** goLabelSelector renders `v1.LabelSelector{MatchLabels:..., MatchExpressions:...}` as upstream's messages show it. */
export function goLabelSelector(sel: LabelSelectorLike | undefined | null): string {
  if (!sel) return '(*v1.LabelSelector)(nil)';
  const exprs = sel.matchExpressions
    ? `[]v1.LabelSelectorRequirement{${sel.matchExpressions
        .map((e) => {
          const values = e.values ? `[]string{${e.values.map(goQuote).join(', ')}}` : '[]string(nil)';
          return `v1.LabelSelectorRequirement{Key:${goQuote(e.key)}, Operator:${goQuote(e.operator)}, Values:${values}}`;
        })
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(sel.matchLabels)}, MatchExpressions:${exprs}}`;
}

/** invalidRendered builds an Invalid error whose value is already rendered (Go `%#v` text). */
export function invalidRendered(field: string, rendered: string, msg: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: `Invalid value: ${rendered}: ${msg}` };
}

/** validateNonNegative: `Invalid value: -1: must be greater than or equal to 0` (undefined passes). */
export function validateNonNegative(value: unknown, field: string): FieldError[] {
  return typeof value === 'number' && value < 0 ? [invalid(field, value, 'must be greater than or equal to 0')] : [];
}

/** validatePositive: `Invalid value: 0: must be greater than 0` (undefined passes). */
export function validatePositive(value: unknown, field: string): FieldError[] {
  return typeof value === 'number' && value <= 0 ? [invalid(field, value, 'must be greater than 0')] : [];
}

/** fieldImmutable: upstream's ValidateImmutableField message. */
export function fieldImmutable(field: string, rendered: string): FieldError {
  return invalidRendered(field, rendered, 'field is immutable');
}
