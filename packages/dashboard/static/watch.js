// Live collections: each is listed through the API proxy, then kept current from a watch that starts at
// the list's resourceVersion. All watches share one connection (/dashboard/watch); when any one of them
// ends the shared stream is re-opened from every collection's latest resourceVersion, and a collection
// whose watch answered 410 Gone is listed again first.

/** getJSON fetches an API path through the proxy and throws the Status message on failure. */
export async function getJSON(path, signal) {
  const res = await fetch(path, { signal, headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message || `${res.status} ${res.statusText}`);
  return body;
}

const key = (o) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
const sleep = (ms, signal) => new Promise((r) => { const t = setTimeout(r, ms); signal.addEventListener('abort', () => { clearTimeout(t); r(); }, { once: true }); });

/**
 * watchCollections keeps one Map (key "ns/name" -> object) per path live until signal aborts.
 * onChange() runs after every batch of changes; onState(text) reports "live", "listing" or an error.
 */
export function watchCollections(paths, { signal, onChange, onState }) {
  const cols = paths.map((path) => ({ path, items: new Map(), rv: '' }));
  (async () => {
    let failures = 0;
    while (!signal.aborted) {
      try {
        for (const c of cols) if (!c.rv) await relist(c, signal, onState, onChange);
        onState('live');
        await streamAll(cols, signal, onChange);
        failures = 0;
      } catch (err) {
        if (signal.aborted) return;
        if (err.gone) continue;
        onState(`reconnecting: ${err.message}`);
        // 1s, 2s, 4s ... capped at 15s, so a restarting apiserver is not hammered.
        await sleep(Math.min(15000, 1000 * 2 ** failures++), signal);
      }
    }
  })();
  return cols.map((c) => c.items);
}

async function relist(c, signal, onState, onChange) {
  onState('listing');
  const list = await getJSON(c.path, signal);
  c.items.clear();
  for (const o of list.items ?? []) c.items.set(key(o), o);
  c.rv = list.metadata?.resourceVersion ?? '';
  onChange();
}

async function streamAll(cols, signal, onChange) {
  const local = new AbortController();
  signal.addEventListener('abort', () => local.abort(), { once: true });
  const qs = cols.map((c) => `path=${encodeURIComponent(`${c.path}?watch=1&allowWatchBookmarks=true&resourceVersion=${c.rv}`)}`);
  const res = await fetch(`/dashboard/watch?${qs.join('&')}`, { signal: local.signal });
  if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      pending += value;
      const lines = pending.split('\n');
      pending = lines.pop();
      let changed = false;
      for (const line of lines) {
        const sp = line.indexOf(' ');
        const col = cols[Number(line.slice(0, sp))];
        const rest = line.slice(sp + 1);
        if (!col) continue;
        if (rest === 'END') return;
        changed = applyEvent(col, JSON.parse(rest)) || changed;
      }
      if (changed) onChange();
    }
  } finally {
    local.abort();
  }
}

/** applyEvent folds one watch event into a collection; it returns whether the items changed. */
function applyEvent(col, ev) {
  const obj = ev.object ?? {};
  if (ev.type === 'ERROR') {
    // 410 Gone: the resourceVersion was compacted away; anything else is retried from a fresh list too.
    col.rv = '';
    throw Object.assign(new Error(obj.message ?? 'watch error'), { gone: obj.code === 410 });
  }
  if (obj.metadata?.resourceVersion) col.rv = obj.metadata.resourceVersion;
  if (ev.type === 'BOOKMARK') return false;
  if (ev.type === 'DELETED') col.items.delete(key(obj));
  else col.items.set(key(obj), obj);
  return true;
}
