// Pure formatting helpers: the columns kubectl prints, computed the way kubectl's printers do.

/** age renders the time since an RFC 3339 timestamp as kubectl's HumanDuration does ("45s", "3m12s", "5d"). */
export function age(ts, now = Date.now()) {
  if (!ts) return '<unknown>';
  const secs = Math.floor((now - Date.parse(ts)) / 1000);
  if (secs < -1) return '<invalid>';
  if (secs < 0) return '0s';
  if (secs < 120) return `${secs}s`;
  const mins = Math.floor(secs / 60);
  if (mins < 10) return secs % 60 === 0 ? `${mins}m` : `${mins}m${secs % 60}s`;
  if (mins < 180) return `${mins}m`;
  const hours = Math.floor(mins / 60);
  if (hours < 8) return mins % 60 === 0 ? `${hours}h` : `${hours}h${mins % 60}m`;
  if (hours < 48) return `${hours}h`;
  const days = Math.floor(hours / 24);
  if (hours < 24 * 8) return hours % 24 === 0 ? `${days}d` : `${days}d${hours % 24}h`;
  if (days < 365 * 2) return `${days}d`;
  const years = Math.floor(days / 365);
  if (days < 365 * 8) return `${years}y${days % 365}d`;
  return `${years}y`;
}

const suffixes = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };

/** parseQuantity turns a resource.Quantity string ("250m", "12345n", "64Mi", "1e3") into a number. */
export function parseQuantity(q) {
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(String(q ?? '').trim());
  if (!m) return NaN;
  return Number(m[1]) * suffixes[m[2] ?? ''];
}

/** formatCpu renders cores as kubectl top does: whole millicores ("12m"). */
export function formatCpu(cores) {
  return `${Math.round(cores * 1000)}m`;
}

/** formatBytes renders bytes as kubectl top does: whole mebibytes ("64Mi"). */
export function formatBytes(bytes) {
  return `${Math.round(bytes / 2 ** 20)}Mi`;
}

/** podReady is the READY column: ready containers / containers. */
export function podReady(pod) {
  const statuses = pod.status?.containerStatuses ?? [];
  return `${statuses.filter((s) => s.ready).length}/${pod.spec?.containers?.length ?? 0}`;
}

/** podRestarts is the RESTARTS column: the containers' restart counts added up. */
export function podRestarts(pod) {
  return (pod.status?.containerStatuses ?? []).reduce((n, s) => n + (s.restartCount ?? 0), 0);
}

/** podStatus is the STATUS column, following kubectl's printPod: init progress, container reasons, Terminating. */
export function podStatus(pod) {
  const st = pod.status ?? {};
  let reason = st.reason || st.phase || 'Unknown';
  const inits = st.initContainerStatuses ?? [];
  let initializing = false;
  inits.forEach((c, i) => {
    if (initializing) return;
    const t = c.state?.terminated;
    const w = c.state?.waiting;
    if (t && t.exitCode === 0) return;
    initializing = true;
    if (t) reason = `Init:${t.reason || (t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`)}`;
    else if (w && w.reason && w.reason !== 'PodInitializing') reason = `Init:${w.reason}`;
    else reason = `Init:${i}/${pod.spec?.initContainers?.length ?? inits.length}`;
  });
  if (!initializing) {
    let running = false;
    for (const c of [...(st.containerStatuses ?? [])].reverse()) {
      const t = c.state?.terminated;
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (t) reason = t.reason || (t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`);
      else if (c.state?.running && c.ready) running = true;
    }
    if (reason === 'Completed' && running) reason = 'Running';
  }
  if (pod.metadata?.deletionTimestamp) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

/** nodeStatus is kubectl's node STATUS: the Ready condition, plus SchedulingDisabled when cordoned. */
export function nodeStatus(node) {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const parts = [ready?.status === 'True' ? 'Ready' : ready ? 'NotReady' : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** nodeRoles lists the `node-role.kubernetes.io/ROLE` labels, "<none>" without any. */
export function nodeRoles(node) {
  const roles = Object.keys(node.metadata?.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .filter((r) => r !== '');
  return roles.length ? roles.sort().join(',') : '<none>';
}

/** nodeIP is the node's InternalIP (or first address). */
export function nodeIP(node) {
  const addrs = node.status?.addresses ?? [];
  return (addrs.find((a) => a.type === 'InternalIP') ?? addrs[0])?.address ?? '<none>';
}

/** servicePorts is kubectl's PORT(S): "80/TCP", "80:30080/TCP", comma-separated. */
export function servicePorts(svc) {
  const ports = svc.spec?.ports ?? [];
  if (!ports.length) return '<none>';
  return ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(',');
}

/** externalIP is kubectl's EXTERNAL-IP: load-balancer ingress, externalIPs, or <pending>/<none>. */
export function externalIP(svc) {
  const ext = svc.spec?.externalIPs ?? [];
  if (svc.spec?.type === 'LoadBalancer') {
    const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname);
    const all = [...ingress, ...ext];
    return all.length ? all.join(',') : '<pending>';
  }
  if (svc.spec?.type === 'ExternalName') return svc.spec.externalName ?? '<none>';
  return ext.length ? ext.join(',') : '<none>';
}

/** eventTime is when an event was last seen, in milliseconds. */
export function eventTime(ev) {
  return Date.parse(ev.lastTimestamp || ev.series?.lastObservedTime || ev.eventTime || ev.firstTimestamp || ev.metadata?.creationTimestamp || 0) || 0;
}

/** eventObject is kubectl's OBJECT column: "kind/name", the kind lower-cased. */
export function eventObject(ev) {
  const o = ev.involvedObject ?? ev.regarding ?? {};
  return `${String(o.kind ?? '').toLowerCase()}/${o.name ?? ''}`;
}
