/** Data a plugin stores for one scheduling cycle; `clone` is called when the state is copied (preemption). */
export interface StateData {
  clone?(): StateData;
}

/**
 * CycleState is the per-pod, per-cycle scratch space plugins share between extension points
 * (PreFilter -> Filter, PreScore -> Score), keyed by a string derived from the plugin name. It lives for
 * one scheduling cycle and is never shared between pods.
 */
export class CycleState {
  private readonly data = new Map<string, unknown>();
  /** Plugins whose PreFilter returned Skip: their Filter is not run. */
  readonly skipFilterPlugins = new Set<string>();
  /** Plugins whose PreScore returned Skip: their Score is not run. */
  readonly skipScorePlugins = new Set<string>();

  read<T>(key: string): T | undefined {
    return this.data.get(key) as T | undefined;
  }

  write(key: string, value: unknown): void {
    this.data.set(key, value);
  }

  /** clone copies the state; values that implement `clone()` are deep-copied by it. */
  clone(): CycleState {
    const c = new CycleState();
    for (const [k, v] of this.data) {
      const sd = v as StateData | undefined;
      c.data.set(k, sd && typeof sd.clone === 'function' ? sd.clone() : v);
    }
    for (const p of this.skipFilterPlugins) c.skipFilterPlugins.add(p);
    for (const p of this.skipScorePlugins) c.skipScorePlugins.add(p);
    return c;
  }
}
