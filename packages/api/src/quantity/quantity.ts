/**
 * resource.Quantity from apimachinery (pkg/api/resource): exact fixed-point parsing of `1.5Gi`,
 * `250m`, `1e3`, and the canonical text form upstream serialises (`1000m` -> `1`, `1024Mi` -> `1Gi`).
 * Values are held exactly as `num * 10^scale` (bigint mantissa); precision is rounded up to 1n as
 * upstream does.
 */

/** How a Quantity is written back: as upstream's `Format`. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** An exact quantity: value = num * 10^scale. Immutable. */
export interface Quantity {
  readonly num: bigint;
  readonly scale: number;
  readonly format: QuantityFormat;
}

/** The error message upstream's ErrFormatWrong carries. */
export const quantityFormatErrMsg =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** The error message upstream's ErrSuffix carries. */
export const quantitySuffixErrMsg = "unable to parse quantity's suffix";

/** QuantityParseError is thrown by parseQuantity; `message` is upstream's text. */
export class QuantityParseError extends Error {
  override readonly name = 'QuantityParseError';
}

const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const binarySuffixes: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const decimalByExponent = new Map(Object.entries(decimalSuffixes).map(([s, e]) => [e, s]));
const binaryByExponent = new Map(Object.entries(binarySuffixes).map(([s, e]) => [e / 10, s]));

const quantityRe = /^([+-]?)([0-9]*)(?:\.([0-9]*))?([eEinumkKMGTP]*(?:[-+]?[0-9]+)?)$/;

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

function parseSuffix(s: string): Suffix | undefined {
  if (s in decimalSuffixes) return { base: 10, exponent: decimalSuffixes[s] ?? 0, format: 'DecimalSI' };
  if (s in binarySuffixes) return { base: 2, exponent: binarySuffixes[s] ?? 0, format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E') && /^[-+]?[0-9]+$/.test(s.slice(1))) {
    return { base: 10, exponent: Number.parseInt(s.slice(1), 10), format: 'DecimalExponent' };
  }
  return undefined;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Round |num| * 10^scale up to scale -9 (nano), away from zero, as upstream's parser does. */
function roundToNano(num: bigint, scale: number): [bigint, number] {
  if (scale >= -9) return [num, scale];
  const div = pow10(-9 - scale);
  const neg = num < 0n;
  const abs = neg ? -num : num;
  let q = abs / div;
  if (q * div !== abs) q += 1n;
  return [neg ? -q : q, -9];
}

/** parseQuantity parses a quantity string (or a JSON number); throws QuantityParseError with upstream's message. */
export function parseQuantity(input: string | number): Quantity {
  const str = typeof input === 'number' ? numberToString(input) : input;
  if (str.length === 0) throw new QuantityParseError(quantityFormatErrMsg);
  const m = quantityRe.exec(str);
  if (!m) throw new QuantityParseError(quantityFormatErrMsg);
  const [, sign = '', whole = '', frac = '', suffixText = ''] = m;
  if (whole === '' && frac === '') throw new QuantityParseError(quantityFormatErrMsg);
  const suffix = parseSuffix(suffixText);
  if (!suffix) throw new QuantityParseError(quantitySuffixErrMsg);
  let num = BigInt(`${whole}${frac}` || '0');
  let scale = -frac.length;
  if (suffix.base === 10) scale += suffix.exponent;
  else num *= 2n ** BigInt(suffix.exponent);
  if (sign === '-') num = -num;
  [num, scale] = roundToNano(num, scale);
  return normalize({ num, scale, format: suffix.format });
}

function numberToString(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityParseError(quantityFormatErrMsg);
  return String(n).replace('e+', 'e');
}

/** Strip trailing zero digits into the scale so equal values have one representation. */
function normalize(q: Quantity): Quantity {
  if (q.num === 0n) return { num: 0n, scale: 0, format: q.format };
  let { num, scale } = q;
  while (num % 10n === 0n) {
    num /= 10n;
    scale += 1;
  }
  return { num, scale, format: q.format };
}

/** tryParseQuantity returns undefined instead of throwing. */
export function tryParseQuantity(input: string | number): Quantity | undefined {
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

/** Exact value as [numerator, scale] with scale shifted to `target` if it is an integer there. */
function atScale(q: Quantity, target: number): bigint | undefined {
  if (q.scale >= target) return q.num * pow10(q.scale - target);
  const div = pow10(target - q.scale);
  return q.num % div === 0n ? q.num / div : undefined;
}

/** Ceil (away from zero) of q * 10^-target, as upstream's ScaledValue does. */
function scaledValue(q: Quantity, target: number): bigint {
  if (q.scale >= target) return q.num * pow10(q.scale - target);
  const div = pow10(target - q.scale);
  const abs = q.num < 0n ? -q.num : q.num;
  let v = abs / div;
  if (v * div !== abs) v += 1n;
  return q.num < 0n ? -v : v;
}

/** quantityToMilli returns the value in thousandths, rounded up (upstream `MilliValue`). */
export function quantityToMilli(q: Quantity): number {
  return Number(scaledValue(q, -3));
}

/** quantityToInt returns the value rounded up to an integer (upstream `Value`). */
export function quantityToInt(q: Quantity): number {
  return Number(scaledValue(q, 0));
}

/** toNumber returns the (possibly inexact) floating-point value (upstream `AsApproximateFloat64`). */
export function toNumber(q: Quantity): number {
  return Number.parseFloat(`${q.num}e${q.scale}`);
}

function formatDecimal(q: Quantity, format: QuantityFormat): string {
  let { num, scale } = normalize(q);
  const mod = ((scale % 3) + 3) % 3;
  if (mod !== 0) {
    num *= pow10(mod);
    scale -= mod;
  }
  if (format === 'DecimalExponent') return scale === 0 ? `${num}` : `${num}e${scale}`;
  const suffix = decimalByExponent.get(scale);
  return suffix === undefined ? `${num}e${scale}` : `${num}${suffix}`;
}

/** formatQuantity renders the canonical string upstream's `Quantity.String()` produces. */
export function formatQuantity(q: Quantity): string {
  if (q.num === 0n) return '0';
  if (q.format !== 'BinarySI') return formatDecimal(q, q.format);
  const int = atScale(q, 0);
  if (int === undefined || (int > -1024n && int < 1024n)) return formatDecimal(q, 'DecimalSI');
  let v = int;
  let exp = 0;
  while (exp < 6 && v % 1024n === 0n) {
    v /= 1024n;
    exp += 1;
  }
  return `${v}${binaryByExponent.get(exp) ?? ''}`;
}

/** canonicalQuantity parses and re-renders a quantity string (`1000m` -> `1`). */
export function canonicalQuantity(input: string | number): string {
  return formatQuantity(parseQuantity(input));
}

/** compareQuantities returns -1, 0 or 1 as a < b, a == b, a > b. */
export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const s = Math.min(a.scale, b.scale);
  const x = a.num * pow10(a.scale - s);
  const y = b.num * pow10(b.scale - s);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** addQuantities returns a + b, keeping a's format (upstream `Add`). */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  const s = Math.min(a.scale, b.scale);
  return normalize({ num: a.num * pow10(a.scale - s) + b.num * pow10(b.scale - s), scale: s, format: a.format });
}

/** subtractQuantities returns a - b, keeping a's format (upstream `Sub`). */
export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return addQuantities(a, { ...b, num: -b.num });
}

/** quantityFromMilli builds a Quantity of `milli` thousandths (upstream `NewMilliQuantity`). */
export function quantityFromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return normalize({ num: BigInt(typeof milli === 'number' ? Math.round(milli) : milli), scale: -3, format });
}

/** quantityFromInt builds an integer Quantity (upstream `NewQuantity`), e.g. bytes as BinarySI. */
export function quantityFromInt(value: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return normalize({ num: BigInt(typeof value === 'number' ? Math.round(value) : value), scale: 0, format });
}

/** isZeroQuantity reports whether q is zero. */
export function isZeroQuantity(q: Quantity): boolean {
  return q.num === 0n;
}
