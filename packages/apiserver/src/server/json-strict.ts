/**
 * Duplicate-key detection for JSON bodies. `JSON.parse` silently keeps the last of two equal keys;
 * upstream's strict decoder (sigs.k8s.io/json UnmarshalStrict) reports each as `duplicate field "x"`.
 * This is a small tokenizer that only tracks object keys; it assumes the text already parsed.
 */

/** findDuplicateKeys returns the names of keys that appear twice in one JSON object, in order. */
export function findDuplicateKeys(text: string): string[] {
  const dups: string[] = [];
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b /* [ */) {
      stack.push(null);
      expectKey = false;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = stack[stack.length - 1] instanceof Set;
    } else if (c === 0x22 /* " */) {
      const end = endOfString(text, i);
      if (expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        const keys = stack[stack.length - 1];
        if (keys) {
          if (keys.has(key)) dups.push(key);
          else keys.add(key);
        }
        expectKey = false;
      }
      i = end;
    }
  }
  return dups;
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c /* \ */) i++;
    else if (c === 0x22) return i;
  }
  return text.length - 1;
}
