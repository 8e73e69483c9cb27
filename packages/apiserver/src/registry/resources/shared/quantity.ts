/**
 * A minimal resource.Quantity reader for validation and printing: enough to check syntax and to
 * compare requests with limits. (`@nanokube/api` grows a full Quantity; switch to it once exported.)
 */

/** The syntax upstream accepts, quoted in its error message. */
export const quantityRegexText = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';
const quantityRe = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

const suffixes: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** parseQuantityValue returns the numeric value of a quantity string (or number), or undefined if malformed. */
export function parseQuantityValue(q: unknown): number | undefined {
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (typeof q !== 'string') return undefined;
  const m = quantityRe.exec(q);
  if (!m) return undefined;
  const numText = m[1] ?? '';
  const suffix = m[2] ?? '';
  if ((numText.match(/\./g) ?? []).length > 1 || !/[0-9]/.test(numText)) return undefined;
  const base = Number(numText);
  if (Number.isNaN(base)) return undefined;
  if (suffix in suffixes) return base * (suffixes[suffix] ?? 1);
  const exp = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
  if (exp) return base * 10 ** Number(exp[1]);
  return undefined;
}
