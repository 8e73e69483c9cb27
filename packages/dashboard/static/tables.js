// The tables: each a list of columns [header, cell(obj)] rendered into a <tbody>, rows in name order.
// Cells are set with textContent only, so nothing from the cluster is ever parsed as HTML.
import { age, eventObject, eventTime, externalIP, nodeIP, nodeRoles, nodeStatus, podReady, podRestarts, podStatus, servicePorts } from './format.js';

const name = (o) => o.metadata?.name ?? '';

function rolloutBar(d) {
  const want = d.spec?.replicas ?? 1;
  const updated = d.status?.updatedReplicas ?? 0;
  const available = d.status?.availableReplicas ?? 0;
  const bar = document.createElement('div');
  bar.className = 'rollout';
  bar.title = `${updated} of ${want} updated, ${available} available`;
  const fill = document.createElement('div');
  fill.className = available >= want && updated >= want ? 'fill done' : 'fill';
  fill.style.width = `${want ? Math.min(100, (Math.min(updated, available) / want) * 100) : 100}%`;
  bar.append(fill);
  return bar;
}

/** Column sets by table; `sort` orders rows, `rowKey` names the row for data-name (and tests). */
export const tables = {
  nodes: {
    columns: [['Name', name], ['Status', nodeStatus], ['Roles', nodeRoles], ['Internal IP', nodeIP],
      ['Version', (n) => n.status?.nodeInfo?.kubeletVersion ?? ''], ['Age', (n) => age(n.metadata?.creationTimestamp)]],
  },
  pods: {
    columns: [['Namespace', (p) => p.metadata?.namespace], ['Name', name], ['Ready', podReady], ['Status', podStatus],
      ['Restarts', podRestarts], ['Node', (p) => p.spec?.nodeName ?? '<none>'], ['IP', (p) => p.status?.podIP ?? '<none>'],
      ['Age', (p) => age(p.metadata?.creationTimestamp)]],
    clickable: true,
  },
  deployments: {
    columns: [['Namespace', (d) => d.metadata?.namespace], ['Name', name],
      ['Ready', (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`],
      ['Up-to-date', (d) => d.status?.updatedReplicas ?? 0], ['Available', (d) => d.status?.availableReplicas ?? 0],
      ['Rollout', rolloutBar], ['Age', (d) => age(d.metadata?.creationTimestamp)]],
  },
  services: {
    columns: [['Namespace', (s) => s.metadata?.namespace], ['Name', name], ['Type', (s) => s.spec?.type ?? 'ClusterIP'],
      ['Cluster IP', (s) => s.spec?.clusterIP ?? '<none>'], ['External IP', externalIP], ['Port(s)', servicePorts],
      ['Age', (s) => age(s.metadata?.creationTimestamp)]],
  },
  events: {
    columns: [['Namespace', (e) => e.metadata?.namespace], ['Last seen', (e) => age(new Date(eventTime(e)).toISOString())],
      ['Type', (e) => e.type ?? ''], ['Reason', (e) => e.reason ?? ''], ['Object', eventObject],
      ['Message', (e) => e.message ?? e.note ?? '']],
    sort: (a, b) => eventTime(b) - eventTime(a),
    limit: 100,
  },
};

/** renderHead writes a table's header row; `hideNamespace` drops the Namespace column. */
export function renderHead(table, spec, hideNamespace) {
  const tr = document.createElement('tr');
  for (const [header] of visibleColumns(spec, hideNamespace)) {
    const th = document.createElement('th');
    th.textContent = header;
    tr.append(th);
  }
  table.tHead.replaceChildren(tr);
}

const rowObjects = new WeakMap();
const objKey = (o) => `${o.metadata?.namespace ?? ''}/${name(o)}`;

/**
 * renderRows brings a table's body in line with the objects; `onClick(obj)` makes rows clickable. Rows
 * are kept by key and only changed cells are rewritten, so a row under the pointer survives updates (a
 * row replaced between mousedown and mouseup would swallow the click).
 */
export function renderRows(table, spec, items, { hideNamespace, onClick, selected }) {
  const tbody = table.tBodies[0];
  const columns = visibleColumns(spec, hideNamespace);
  const existing = new Map([...tbody.rows].map((tr) => [tr.dataset.key, tr]));
  const objs = [...items.values()].sort(spec.sort ?? ((a, b) => objKey(a).localeCompare(objKey(b))));
  const rows = objs.slice(0, spec.limit ?? objs.length).map((o) => {
    let tr = existing.get(objKey(o));
    if (!tr || tr.cells.length !== columns.length) tr = newRow(o, columns.length, onClick);
    rowObjects.set(tr, o);
    tr.classList.toggle('selected', Boolean(onClick) && selected === objKey(o));
    columns.forEach(([, cell], i) => setCell(tr.cells[i], cell(o)));
    return tr;
  });
  if (rows.length !== tbody.rows.length || rows.some((tr, i) => tbody.rows[i] !== tr)) tbody.replaceChildren(...rows);
  return objs.length;
}

function newRow(o, cells, onClick) {
  const tr = document.createElement('tr');
  tr.dataset.key = objKey(o);
  tr.dataset.name = name(o);
  tr.dataset.namespace = o.metadata?.namespace ?? '';
  for (let i = 0; i < cells; i++) tr.append(document.createElement('td'));
  if (onClick) {
    tr.className = 'clickable';
    tr.addEventListener('click', () => onClick(rowObjects.get(tr)));
  }
  return tr;
}

function setCell(td, value) {
  if (value instanceof Node) td.replaceChildren(value);
  else if (td.childElementCount || td.textContent !== String(value ?? '')) td.textContent = String(value ?? '');
}

function visibleColumns(spec, hideNamespace) {
  return spec.columns.filter(([header]) => !(hideNamespace && header === 'Namespace'));
}
