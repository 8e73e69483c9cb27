/**
 * Pod-template hashing as the deployment controller does it: FNV-32a over a canonical rendering of the
 * template (plus the collision count), encoded with apimachinery's "safe" alphabet (no vowels, no
 * look-alike characters) so the hash never spells words and is valid in names and label values.
 */

const safeAlphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** canonicalJson renders a value with object keys sorted, so equal objects hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** fnv32a is the 32-bit FNV-1a hash of a string's UTF-8 bytes. */
export function fnv32a(input: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(input, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** safeEncodeString maps every character onto the safe alphabet (apimachinery rand.SafeEncodeString). */
export function safeEncodeString(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) out += safeAlphabet[s.charCodeAt(i) % safeAlphabet.length];
  return out;
}

/**
 * computeHash returns the `pod-template-hash` of a pod template. A collisionCount (from the
 * Deployment's status) is mixed in so a name clash with a foreign ReplicaSet gives a fresh hash.
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  let text = canonicalJson(template);
  if (collisionCount !== undefined && collisionCount !== null) text += `#${collisionCount}`;
  return safeEncodeString(String(fnv32a(text)));
}
