import type {
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerCondition,
  HorizontalPodAutoscalerStatus,
  MetricSpec,
  MetricStatus,
} from 'kubernetes-types/autoscaling/v2.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { parseSelector, quantityToMilli, tryParseQuantity, isNotFound } from '@nanokube/api';
import { metaNamespaceKey, RateLimitingQueue, resources, splitMetaNamespaceKey, type ResourceClient, type SharedInformer } from '@nanokube/client';
import { deletedObject, runController, type ControllerContext, type ControllerDescriptor, type HorizontalPodAutoscalerOptions } from '../../shared/index.js';
import { defaultScaleDown, defaultScaleUp, normalizeWithBehavior, normalizeWithoutBehavior, type Recommendation, type ScaleEvent } from './normalize.js';
import { CalculationError, defaultCalculatorSettings, getResourceReplicas, type CalculatorSettings, type PodMetric } from './replica-calculator.js';

type HPA = HorizontalPodAutoscaler;

/** The autoscaling/v1 Scale subresource. */
interface Scale {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  spec?: { replicas?: number };
  status?: { replicas?: number; selector?: string };
}

interface PodMetricsList {
  items?: { metadata?: { name?: string; namespace?: string }; timestamp?: string; window?: string; containers?: { name?: string; usage?: Record<string, string> }[] }[];
}

/** HPA controller settings (upstream's `--horizontal-pod-autoscaler-*` flags). */
export interface HpaSettings extends CalculatorSettings {
  /** `--horizontal-pod-autoscaler-sync-period` (15 s). */
  syncPeriodMs: number;
  /** `--horizontal-pod-autoscaler-downscale-stabilization` (5 min), used when spec.behavior is unset. */
  downscaleStabilizationMs: number;
}

export const defaultHpaSettings: HpaSettings = { ...defaultCalculatorSettings, syncPeriodMs: 15_000, downscaleStabilizationMs: 5 * 60_000 };

/** Scale subresources of the kinds an HPA usually targets; other kinds are not supported. */
const scaleTargets: Record<string, { group: string; resource: string }> = {
  Deployment: { group: 'apps', resource: 'deployments' },
  ReplicaSet: { group: 'apps', resource: 'replicasets' },
  StatefulSet: { group: 'apps', resource: 'statefulsets' },
  ReplicationController: { group: '', resource: 'replicationcontrollers' },
};

function parseWindow(w: string | undefined): number {
  const m = /^([\d.]+)s$/.exec(w ?? '');
  return m ? Number(m[1]) * 1000 : 0;
}

function rfc3339(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * HorizontalController (upstream pkg/controller/podautoscaler): every sync period each HPA reads its
 * target's `/scale`, computes a replica proposal per metric from the metrics API (Resource metrics with
 * Utilization or AverageValue targets; the largest proposal wins), stabilizes and rate-limits it, writes
 * the new count through `/scale`, and keeps status (currentMetrics, replicas, lastScaleTime, conditions
 * AbleToScale / ScalingActive / ScalingLimited) as upstream does.
 */
export class HorizontalController {
  readonly queue: RateLimitingQueue<string>;
  readonly hpaInformer: SharedInformer<HPA>;
  readonly podInformer: SharedInformer<Pod>;
  readonly hpaClient: ResourceClient<HPA>;
  readonly settings: HpaSettings;
  /** Recent prenormalized recommendations per HPA key. */
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly upEvents = new Map<string, ScaleEvent[]>();
  private readonly downEvents = new Map<string, ScaleEvent[]>();

  constructor(
    readonly ctx: ControllerContext,
    settings: Partial<HpaSettings> = {},
  ) {
    this.settings = { ...defaultHpaSettings, ...settings };
    this.queue = new RateLimitingQueue<string>(undefined, ctx.clock);
    this.hpaInformer = ctx.informers.informerFor<HPA>(resources.horizontalpodautoscalers);
    this.podInformer = ctx.informers.informerFor<Pod>(resources.pods);
    this.hpaClient = ctx.client<HPA>(resources.horizontalpodautoscalers);
    this.hpaInformer.addEventHandler({
      onAdd: (h) => this.queue.add(metaNamespaceKey(h)),
      // Status writes (ours) do not resync early; spec changes do.
      onUpdate: (o, h) => {
        if (JSON.stringify(o.spec) !== JSON.stringify(h.spec)) this.queue.add(metaNamespaceKey(h));
      },
      onDelete: (o) => {
        const key = metaNamespaceKey(deletedObject(o));
        this.recommendations.delete(key);
        this.upEvents.delete(key);
        this.downEvents.delete(key);
      },
    });
  }

  run(signal: AbortSignal): Promise<void> {
    return runController({
      log: this.ctx.log,
      informers: [this.hpaInformer, this.podInformer],
      queue: this.queue,
      sync: (key) => this.sync(key),
      workers: 5,
      signal,
    });
  }

  /** sync reconciles one HPA and schedules the next round one sync period later. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitMetaNamespaceKey(key);
    const cached = this.hpaInformer.store.getByName(namespace, name);
    if (!cached) return;
    try {
      await this.reconcile(key, structuredClone(cached) as HPA);
    } finally {
      if (this.hpaInformer.store.getByName(namespace, name)) this.queue.addAfter(key, this.settings.syncPeriodMs);
    }
  }

  private async reconcile(key: string, hpa: HPA): Promise<void> {
    const spec = hpa.spec;
    const ns = hpa.metadata?.namespace ?? '';
    const now = this.ctx.clock.now();
    const status: HorizontalPodAutoscalerStatus = { ...(hpa.status ?? { desiredReplicas: 0 }) };
    const conditions: HorizontalPodAutoscalerCondition[] = [...(hpa.status?.conditions ?? [])];
    const setCondition = (type: string, c: { status: 'True' | 'False'; reason: string; message: string }): void => {
      const i = conditions.findIndex((x) => x.type === type);
      const old = conditions[i];
      const next = { type, status: c.status, reason: c.reason, message: c.message, lastTransitionTime: old && old.status === c.status ? (old.lastTransitionTime ?? rfc3339(now)) : rfc3339(now) };
      if (i >= 0) conditions[i] = next;
      else conditions.push(next);
    };
    const ref = spec?.scaleTargetRef;
    const target = ref ? scaleTargets[ref.kind] : undefined;
    const refText = `${ref?.kind ?? ''}/${ref?.name ?? ''}`;
    const scalePath = target ? `${target.group ? `/apis/${target.group}/v1` : '/api/v1'}/namespaces/${ns}/${target.resource}/${ref?.name ?? ''}/scale` : '';

    let scale: Scale;
    try {
      if (!target || !ref) throw new Error(`no scale subresource known for kind "${ref?.kind ?? ''}"`);
      scale = await this.ctx.rest.request<Scale>({ method: 'GET', path: scalePath });
    } catch (err) {
      const msg = `the HPA controller was unable to get the target's current scale: ${isNotFound(err) ? `${target?.resource ?? ''}/scale.${target?.group ?? ''} "${ref?.name ?? ''}" not found` : (err as Error).message}`;
      this.ctx.recorder.event(hpaTarget(hpa), 'Warning', 'FailedGetScale', (err as Error).message);
      setCondition('AbleToScale', { status: 'False', reason: 'FailedGetScale', message: msg });
      await this.writeStatus(hpa, { ...status, conditions });
      return;
    }
    setCondition('AbleToScale', { status: 'True', reason: 'SucceededGetScale', message: 'the HPA controller was able to get the target\'s current scale' });
    // As upstream: the target's spec.replicas is what the HPA scales from; status.replicas is reported.
    const currentReplicas = scale.spec?.replicas ?? 0;
    const observedReplicas = scale.status?.replicas ?? 0;
    const minReplicas = spec?.minReplicas ?? 1;
    const maxReplicas = spec?.maxReplicas ?? minReplicas;
    status.currentReplicas = observedReplicas;
    // The first recommendation is the current count, so a new HPA does not scale down within its window.
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ timestamp: now, replicas: currentReplicas }]);

    let desired = 0;
    let rescaleReason = '';
    let metricStatuses: MetricStatus[] | undefined = status.currentMetrics ?? undefined;
    if (currentReplicas === 0 && minReplicas !== 0) {
      // Autoscaling is off while the target is scaled to zero.
      desired = 0;
      setCondition('ScalingActive', { status: 'False', reason: 'ScalingDisabled', message: 'scaling is disabled since the replica count of the target is zero' });
    } else if (currentReplicas > maxReplicas) {
      rescaleReason = 'Current number of replicas above Spec.MaxReplicas';
      desired = maxReplicas;
    } else if (currentReplicas < minReplicas) {
      rescaleReason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      let proposal: { replicas: number; metricName: string; statuses: MetricStatus[] };
      try {
        proposal = await this.computeReplicasForMetrics(hpa, scale, currentReplicas, now);
      } catch (err) {
        const reason = err instanceof MetricError ? err.reason : 'FailedGetResourceMetric';
        const message = err instanceof MetricError ? err.conditionMessage : `the HPA was unable to compute the replica count: ${(err as Error).message}`;
        this.ctx.recorder.event(hpaTarget(hpa), 'Warning', reason, (err as Error).message);
        setCondition('ScalingActive', { status: 'False', reason, message });
        if (err instanceof MetricError && err.statuses) status.currentMetrics = err.statuses;
        await this.writeStatus(hpa, { ...status, desiredReplicas: status.desiredReplicas ?? currentReplicas, conditions });
        return;
      }
      metricStatuses = proposal.statuses;
      setCondition('ScalingActive', {
        status: 'True',
        reason: 'ValidMetricFound',
        message: `the HPA was able to successfully calculate a replica count from ${proposal.metricName}`,
      });
      const recs = (this.recommendations.get(key) ?? []).filter((r) => r.timestamp > now - this.longestWindowMs(hpa));
      const normalized = spec?.behavior
        ? normalizeWithBehavior({
            recommendations: recs,
            nowMs: now,
            currentReplicas,
            prenormalized: proposal.replicas,
            minReplicas,
            maxReplicas,
            scaleUp: { ...defaultScaleUp, ...(spec.behavior.scaleUp ?? {}) },
            scaleDown: { ...defaultScaleDown, stabilizationWindowSeconds: 300, ...(spec.behavior.scaleDown ?? {}) },
            upEvents: this.upEvents.get(key) ?? [],
            downEvents: this.downEvents.get(key) ?? [],
          })
        : normalizeWithoutBehavior({
            recommendations: recs,
            nowMs: now,
            currentReplicas,
            prenormalized: proposal.replicas,
            minReplicas,
            maxReplicas,
            downscaleStabilizationMs: this.settings.downscaleStabilizationMs,
          });
      recs.push({ timestamp: now, replicas: proposal.replicas });
      this.recommendations.set(key, recs);
      setCondition('AbleToScale', normalized.ableToScale);
      setCondition('ScalingLimited', normalized.scalingLimited);
      desired = normalized.replicas;
      if (desired > currentReplicas) rescaleReason = `${proposal.metricName} above target`;
      else if (desired < currentReplicas) rescaleReason = 'All metrics below target';
    }

    if (desired !== currentReplicas) {
      try {
        await this.ctx.rest.request({ method: 'PUT', path: scalePath, body: { ...scale, apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { ...scale.spec, replicas: desired } } });
      } catch (err) {
        this.ctx.recorder.event(hpaTarget(hpa), 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${rescaleReason}; error: ${(err as Error).message}`);
        setCondition('AbleToScale', { status: 'False', reason: 'FailedUpdateScale', message: `the HPA controller was unable to update the target scale: ${(err as Error).message}` });
        await this.writeStatus(hpa, { ...status, ...(metricStatuses ? { currentMetrics: metricStatuses } : {}), conditions });
        throw err;
      }
      setCondition('AbleToScale', { status: 'True', reason: 'SucceededRescale', message: `the HPA controller was able to update the target scale to ${desired}` });
      this.recordScaleEvent(key, currentReplicas, desired, now);
      this.ctx.recorder.event(hpaTarget(hpa), 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${rescaleReason}`);
      this.ctx.log.info({ hpa: key, target: refText, currentReplicas, desiredReplicas: desired, reason: rescaleReason }, 'Successful rescale');
      status.lastScaleTime = rfc3339(now);
    }
    await this.writeStatus(hpa, {
      ...status,
      desiredReplicas: desired,
      ...(metricStatuses ? { currentMetrics: metricStatuses } : {}),
      conditions,
    });
  }

  private longestWindowMs(hpa: HPA): number {
    const b = hpa.spec?.behavior;
    if (!b) return this.settings.downscaleStabilizationMs;
    return Math.max(b.scaleUp?.stabilizationWindowSeconds ?? 0, b.scaleDown?.stabilizationWindowSeconds ?? 300) * 1000;
  }

  private recordScaleEvent(key: string, from: number, to: number, now: number): void {
    const map = to > from ? this.upEvents : this.downEvents;
    const events = (map.get(key) ?? []).filter((e) => e.timestamp > now - 30 * 60_000);
    events.push({ timestamp: now, change: Math.abs(to - from) });
    map.set(key, events);
  }

  private async writeStatus(hpa: HPA, status: HorizontalPodAutoscalerStatus): Promise<void> {
    if (JSON.stringify(status) === JSON.stringify(hpa.status ?? {})) return;
    await this.hpaClient.inNamespace(hpa.metadata?.namespace ?? '').updateStatus({ ...hpa, status });
  }

  /** computeReplicasForMetrics returns the largest proposal over spec.metrics (upstream's rule). */
  private async computeReplicasForMetrics(hpa: HPA, scale: Scale, currentReplicas: number, now: number): Promise<{ replicas: number; metricName: string; statuses: MetricStatus[] }> {
    const selectorText = scale.status?.selector;
    if (!selectorText) {
      throw new MetricError('InvalidSelector', 'the HPA target\'s scale is missing a selector', 'selector is required');
    }
    let selector;
    try {
      selector = parseSelector(selectorText);
    } catch (err) {
      throw new MetricError('InvalidSelector', `the HPA target's scale has an invalid selector: ${(err as Error).message}`, (err as Error).message);
    }
    const ns = hpa.metadata?.namespace ?? '';
    const pods = this.podInformer.store.listNamespace(ns).filter((p) => selector.matches(p.metadata?.labels ?? {}));
    const specs = hpa.spec?.metrics ?? [];
    let best: { replicas: number; metricName: string } | undefined;
    const statuses: MetricStatus[] = [];
    let firstError: Error | undefined;
    for (const m of specs) {
      try {
        const r = await this.computeOne(m, ns, selectorText, pods, currentReplicas, now);
        statuses.push(r.status);
        if (!best || r.replicas > best.replicas) best = { replicas: r.replicas, metricName: r.metricName };
      } catch (err) {
        firstError ??= err as Error;
        statuses.push(emptyStatus(m));
      }
    }
    if (!best || (firstError && specs.length === 1)) {
      const e = firstError ?? new Error('no metrics');
      if (e instanceof MetricError) throw Object.assign(e, { statuses });
      throw new MetricError('FailedGetResourceMetric', `the HPA was unable to compute the replica count: ${e.message}`, e.message, statuses);
    }
    return { ...best, statuses };
  }

  private async computeOne(m: MetricSpec, ns: string, selector: string, pods: Pod[], currentReplicas: number, now: number): Promise<{ replicas: number; metricName: string; status: MetricStatus }> {
    if (m.type !== 'Resource' || !m.resource) throw new MetricError('InvalidMetricSourceType', `the HPA was unable to compute the replica count: unsupported metric source type "${m.type}"`, `unsupported metric source type "${m.type}"`);
    const resourceName = m.resource.name;
    const metrics = await this.podMetrics(ns, selector, resourceName);
    const target = m.resource.target;
    if (target.averageUtilization !== undefined) {
      let r;
      try {
        r = getResourceReplicas({ currentReplicas, targetUtilization: target.averageUtilization, resource: resourceName, pods, metrics, settings: this.settings, nowMs: now });
      } catch (err) {
        throw new CalculationError(`failed to get ${resourceName} utilization: ${(err as Error).message}`);
      }
      return {
        replicas: r.replicas,
        metricName: `${resourceName} resource utilization (percentage of request)`,
        status: { type: 'Resource', resource: { name: resourceName, current: { averageUtilization: r.utilization, averageValue: milliQuantity(r.rawAverageValue) } } },
      };
    }
    if (target.averageValue !== undefined) {
      const q = tryParseQuantity(target.averageValue);
      if (!q) throw new Error(`invalid averageValue ${target.averageValue}`);
      const targetMilli = quantityToMilli(q);
      const measured = [...metrics.entries()].filter(([n]) => pods.some((p) => p.metadata?.name === n));
      if (measured.length === 0) throw new CalculationError('did not receive metrics for targeted pods (pods might be unready)');
      const total = measured.reduce((s, [, v]) => s + v.value, 0);
      const ratio = total / (targetMilli * currentReplicas);
      const replicas = Math.abs(1 - ratio) <= this.settings.tolerance ? currentReplicas : Math.ceil(total / targetMilli);
      return {
        replicas,
        metricName: `${resourceName} resource`,
        status: { type: 'Resource', resource: { name: resourceName, current: { averageValue: milliQuantity(Math.trunc(total / measured.length)) } } },
      };
    }
    throw new Error('invalid resource metric source: neither a utilization target nor a value target set');
  }

  /** podMetrics reads PodMetrics of the selected pods: usage summed over containers, in milli-units. */
  private async podMetrics(ns: string, selector: string, resource: string): Promise<Map<string, PodMetric>> {
    let list: PodMetricsList;
    try {
      list = await this.ctx.rest.request<PodMetricsList>({ method: 'GET', path: `/apis/metrics.k8s.io/v1beta1/namespaces/${ns}/pods`, query: { labelSelector: selector } });
    } catch (err) {
      throw new MetricError(
        'FailedGetResourceMetric',
        `the HPA was unable to compute the replica count: failed to get ${resource} utilization: unable to get metrics for resource ${resource}: unable to fetch metrics from resource metrics API: ${(err as Error).message}`,
        `failed to get ${resource} utilization: unable to get metrics for resource ${resource}: unable to fetch metrics from resource metrics API: ${(err as Error).message}`,
      );
    }
    const out = new Map<string, PodMetric>();
    for (const item of list.items ?? []) {
      let sum = 0;
      let ok = true;
      for (const c of item.containers ?? []) {
        const q = tryParseQuantity(c.usage?.[resource] ?? '');
        if (!q) {
          ok = false;
          break;
        }
        sum += quantityToMilli(q);
      }
      if (!ok || !item.metadata?.name) continue;
      out.set(item.metadata.name, { timestamp: Date.parse(item.timestamp ?? '') || 0, windowMs: parseWindow(item.window), value: sum });
    }
    if (out.size === 0) {
      throw new MetricError(
        'FailedGetResourceMetric',
        `the HPA was unable to compute the replica count: failed to get ${resource} utilization: unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`,
        `failed to get ${resource} utilization: unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`,
      );
    }
    return out;
  }
}

/** MetricError is a failed metric with the ScalingActive=False reason and message upstream uses. */
class MetricError extends Error {
  constructor(
    readonly reason: string,
    readonly conditionMessage: string,
    message: string,
    public statuses?: MetricStatus[],
  ) {
    super(message);
  }
}

function emptyStatus(m: MetricSpec): MetricStatus {
  if (m.type === 'Resource' && m.resource) return { type: 'Resource', resource: { name: m.resource.name, current: {} } };
  return { type: '' };
}

/** milliQuantity renders milli-units as a canonical quantity (`250m`, `2`). */
function milliQuantity(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

function hpaTarget(hpa: HPA): { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string; uid?: string } } {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      ...(hpa.metadata?.name ? { name: hpa.metadata.name } : {}),
      ...(hpa.metadata?.namespace ? { namespace: hpa.metadata.namespace } : {}),
      ...(hpa.metadata?.uid ? { uid: hpa.metadata.uid } : {}),
    },
  };
}

/** The HPA controller, by upstream name. */
export const horizontalPodAutoscalerControllerDescriptor: ControllerDescriptor = {
  name: 'horizontal-pod-autoscaler-controller',
  aliases: ['horizontalpodautoscaling'],
  create: (ctx) => new HorizontalController(ctx, hpaSettingsFromOptions(ctx.options.horizontalPodAutoscaler)),
};

/** hpaSettingsFromOptions maps the `--horizontal-pod-autoscaler-*` flags onto the controller's settings. */
export function hpaSettingsFromOptions(o: HorizontalPodAutoscalerOptions | undefined): Partial<HpaSettings> {
  if (!o) return {};
  return {
    syncPeriodMs: o.syncPeriodMs,
    downscaleStabilizationMs: o.downscaleStabilizationMs,
    tolerance: o.tolerance,
    cpuInitializationPeriodMs: o.cpuInitializationPeriodMs,
    delayOfInitialReadinessStatusMs: o.initialReadinessDelayMs,
  };
}
