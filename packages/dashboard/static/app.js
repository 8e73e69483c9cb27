// The dashboard page: live tables from watches, a namespace selector, a pod's followed log and the
// metrics charts. Everything goes through this server's read-only API proxy.
import { barChart } from './charts.js';
import { formatBytes, formatCpu, parseQuantity } from './format.js';
import { renderHead, renderRows, tables } from './tables.js';
import { getJSON, watchCollections } from './watch.js';

const $ = (id) => document.getElementById(id);
const nsPath = (ns, prefix, resource) => (ns ? `${prefix}/namespaces/${encodeURIComponent(ns)}/${resource}` : `${prefix}/${resource}`);
const metricsPollMs = 15000;
const historyLength = 20;

let namespace = decodeURIComponent(location.hash.slice(1));
let watches = new AbortController();
let collections = {};
let selectedPod = '';
let renderQueued = false;

/** render redraws every table from the live collections, at most once per animation frame. */
function render() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    for (const [id, items] of Object.entries(collections)) {
      const spec = tables[id];
      const count = renderRows($(`${id}-table`), spec, items, {
        hideNamespace: Boolean(namespace),
        ...(spec.clickable ? { onClick: showLogs, selected: selectedPod } : {}),
      });
      $(`${id}-count`).textContent = String(count);
    }
  });
}

/** startWatches (re)starts the watches for the selected namespace. */
function startWatches() {
  watches.abort();
  watches = new AbortController();
  const paths = {
    nodes: '/api/v1/nodes',
    pods: nsPath(namespace, '/api/v1', 'pods'),
    deployments: nsPath(namespace, '/apis/apps/v1', 'deployments'),
    services: nsPath(namespace, '/api/v1', 'services'),
    events: nsPath(namespace, '/api/v1', 'events'),
  };
  for (const id of Object.keys(paths)) renderHead($(`${id}-table`), tables[id], Boolean(namespace));
  const items = watchCollections(Object.values(paths), {
    signal: watches.signal,
    onChange: render,
    onState: (state) => {
      $('conn').textContent = state;
      $('conn').className = state === 'live' ? 'live' : 'pending';
    },
  });
  collections = Object.fromEntries(Object.keys(paths).map((id, i) => [id, items[i]]));
  render();
}

async function loadNamespaces() {
  const select = $('namespace');
  try {
    const list = await getJSON('/api/v1/namespaces');
    const names = list.items.map((n) => n.metadata.name).sort();
    if (namespace && !names.includes(namespace)) names.push(namespace);
    const options = [['', 'All namespaces'], ...names.map((n) => [n, n])].map(([value, text]) => new Option(text, value, false, value === namespace));
    select.replaceChildren(...options);
  } catch (err) {
    $('conn').textContent = `namespaces: ${err.message}`;
  }
}

let logs = new AbortController();

/** showLogs follows the last 200 lines of a pod's (first or chosen) container in the log panel. */
async function showLogs(pod, container) {
  logs.abort();
  logs = new AbortController();
  const signal = logs.signal;
  const ns = pod.metadata.namespace;
  const name = pod.metadata.name;
  selectedPod = `${ns}/${name}`;
  render();
  const containers = (pod.spec?.containers ?? []).map((c) => c.name);
  const chosen = container ?? containers[0] ?? '';
  $('logs-panel').hidden = false;
  $('logs-title').textContent = `${ns}/${name}`;
  const select = $('logs-container');
  select.replaceChildren(...containers.map((c) => new Option(c, c, false, c === chosen)));
  select.onchange = () => showLogs(pod, select.value);
  const out = $('logs');
  $('logs-state').textContent = 'following';
  out.textContent = '';
  const url = `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}/log?tailLines=200&follow=true&container=${encodeURIComponent(chosen)}`;
  try {
    const res = await fetch(url, { signal });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      out.textContent = `error: ${body.message ?? res.statusText}`;
      return;
    }
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      out.append(value);
      // Keep the panel bounded: a chatty container must not grow the page without end.
      if (out.textContent.length > 500000) out.textContent = out.textContent.slice(-400000);
      out.scrollTop = out.scrollHeight;
    }
    $('logs-state').textContent = 'stream ended';
  } catch (err) {
    if (!signal.aborted) out.append(`\nerror: ${err.message}`);
  }
}

const history = new Map();

function chartRows(kind, items, usage) {
  return items.map((m) => {
    const label = kind === 'pod' && !namespace ? `${m.metadata.namespace}/${m.metadata.name}` : m.metadata.name;
    const value = usage(m);
    const key = `${kind}:${label}:${usage.name}`;
    const h = [...(history.get(key) ?? []), value].slice(-historyLength);
    history.set(key, h);
    return { label, value, history: h };
  }).sort((a, b) => b.value - a.value);
}

const podCpu = (m) => (m.containers ?? []).reduce((s, c) => s + parseQuantity(c.usage?.cpu ?? '0'), 0);
const podMemory = (m) => (m.containers ?? []).reduce((s, c) => s + parseQuantity(c.usage?.memory ?? '0'), 0);
const nodeCpu = (m) => parseQuantity(m.usage?.cpu ?? '0');
const nodeMemory = (m) => parseQuantity(m.usage?.memory ?? '0');

/** pollMetrics draws the charts when /apis serves metrics.k8s.io, and says so when it does not. */
async function pollMetrics() {
  try {
    const groups = await getJSON('/apis');
    if (!(groups.groups ?? []).some((g) => g.name === 'metrics.k8s.io')) {
      $('metrics-state').textContent = 'metrics not available';
      $('metrics-charts').hidden = true;
      return;
    }
    const [nodes, pods] = await Promise.all([
      getJSON('/apis/metrics.k8s.io/v1beta1/nodes'),
      getJSON(nsPath(namespace, '/apis/metrics.k8s.io/v1beta1', 'pods')),
    ]);
    $('metrics-charts').hidden = false;
    barChart($('chart-node-cpu'), chartRows('node', nodes.items ?? [], nodeCpu), formatCpu);
    barChart($('chart-node-memory'), chartRows('node', nodes.items ?? [], nodeMemory), formatBytes);
    barChart($('chart-pod-cpu'), chartRows('pod', pods.items ?? [], podCpu), formatCpu);
    barChart($('chart-pod-memory'), chartRows('pod', pods.items ?? [], podMemory), formatBytes);
    $('metrics-state').textContent = `updated ${new Date().toLocaleTimeString()}, every ${metricsPollMs / 1000}s`;
  } catch (err) {
    $('metrics-state').textContent = `metrics not available: ${err.message}`;
  }
}

$('namespace').addEventListener('change', (e) => {
  namespace = e.target.value;
  history.clear();
  location.hash = namespace ? encodeURIComponent(namespace) : '';
  startWatches();
  pollMetrics();
});
$('namespace').addEventListener('focus', loadNamespaces);
$('logs-close').addEventListener('click', () => {
  logs.abort();
  selectedPod = '';
  $('logs-panel').hidden = true;
  render();
});

loadNamespaces();
startWatches();
pollMetrics();
setInterval(pollMetrics, metricsPollMs);
// Ages move on without any watch event.
setInterval(render, 5000);
