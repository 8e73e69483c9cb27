/**
 * Builders for `FieldError`s that render exactly as apimachinery's `field.Error.ErrorBody()` does:
 * `Required value`, `Invalid value: "x": msg`, `Unsupported value: "x": supported values: "a", "b"`, ...
 * Strings are Go-quoted (`%q`), numbers and booleans are printed bare, `null` for nil.
 */
import type { FieldError } from '../errors/status.js';

/** The value kinds a FieldError can render; objects fall back to JSON. */
export type BadValue = string | number | boolean | null | undefined | readonly unknown[] | object;

/** goQuote renders a string the way Go's `%q` / `strconv.Quote` does (ASCII-safe escapes). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

/** renderValue prints a bad value as `field.Error` does (`%q` for strings, `%v` for scalars). */
export function renderValue(value: BadValue): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[]string{${value.map((v) => goQuote(String(v))).join(', ')}}`;
  return JSON.stringify(value);
}

function withDetail(body: string, detail?: string): string {
  return detail ? `${body}: ${detail}` : body;
}

/** required: `field: Required value` (plus `: detail` when given). */
export function required(field: string, detail?: string): FieldError {
  return { type: 'FieldValueRequired', field, detail: withDetail('Required value', detail) };
}

/** invalid: `field: Invalid value: "x": msg`. */
export function invalid(field: string, value: BadValue, msg?: string): FieldError {
  return { type: 'FieldValueInvalid', field, detail: withDetail(`Invalid value: ${renderValue(value)}`, msg) };
}

/** notSupported: `field: Unsupported value: "x": supported values: "a", "b"`. */
export function notSupported(field: string, value: BadValue, valid: readonly string[]): FieldError {
  const detail = valid.length ? `supported values: ${valid.map((v) => goQuote(v)).join(', ')}` : undefined;
  return { type: 'FieldValueNotSupported', field, detail: withDetail(`Unsupported value: ${renderValue(value)}`, detail) };
}

/** duplicate: `field: Duplicate value: "x"`. */
export function duplicate(field: string, value: BadValue): FieldError {
  return { type: 'FieldValueDuplicate', field, detail: `Duplicate value: ${renderValue(value)}` };
}

/** forbidden: `field: Forbidden: msg`. */
export function forbidden(field: string, msg?: string): FieldError {
  return { type: 'FieldValueForbidden', field, detail: withDetail('Forbidden', msg) };
}

/** tooLong: `field: Too long: may not be more than N bytes` (the bad value is not printed). */
export function tooLong(field: string, maxLength: number): FieldError {
  const msg = maxLength >= 0 ? `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}` : 'value is too long';
  return { type: 'FieldValueTooLong', field, detail: `Too long: ${msg}` };
}

/** tooMany: `field: Too many: N: must have at most M items`. */
export function tooMany(field: string, actual: number, max: number): FieldError {
  return { type: 'FieldValueTooMany', field, detail: `Too many: ${actual}: must have at most ${max} items` };
}

/** notFound: `field: Not found: "x"`. */
export function notFound(field: string, value: BadValue): FieldError {
  return { type: 'FieldValueNotFound', field, detail: `Not found: ${renderValue(value)}` };
}

/** internalError: `field: Internal error: msg`. */
export function internalError(field: string, msg: string): FieldError {
  return { type: 'InternalError', field, detail: `Internal error: ${msg}` };
}

/** fieldErrorString renders one error as upstream's `Error()`: `field: detail`. */
export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${e.detail}`;
}

/** aggregateMessage joins errors as `utilerrors.Aggregate` does: one error bare, several in `[a, b]`. */
export function aggregateMessage(msgs: readonly string[]): string {
  return msgs.length === 1 ? (msgs[0] ?? '') : `[${msgs.join(', ')}]`;
}
