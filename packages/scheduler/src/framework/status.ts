/**
 * Status is the result of running a plugin, as upstream's framework.Status. `undefined` means Success
 * everywhere a `Status | undefined` is returned. Expected outcomes (a node does not fit) are Status
 * values, never exceptions; an exception thrown by a plugin is a bug and the runtime turns it into
 * `Code.Error`.
 */

/** Status codes of the scheduling framework. */
export const Code = {
  /** The plugin ran and found the pod schedulable. */
  Success: 'Success',
  /** An internal error: the pod is retried with backoff, no node is blamed. */
  Error: 'Error',
  /** The node does not fit now, but preemption might make it fit. */
  Unschedulable: 'Unschedulable',
  /** The node does not fit and preemption cannot change that. */
  UnschedulableAndUnresolvable: 'UnschedulableAndUnresolvable',
  /** The plugin has nothing to do for this pod: its later extension points are skipped. */
  Skip: 'Skip',
} as const;

export type Code = (typeof Code)[keyof typeof Code];

/** Status carries a code, the human reasons (upstream's `node(s) ...` strings) and the failing plugin. */
export class Status {
  constructor(
    readonly code: Code,
    readonly reasons: readonly string[] = [],
    /** Name of the plugin that returned it; filled in by the runtime. */
    public plugin = '',
    readonly cause?: unknown,
  ) {}

  /** message joins the reasons as upstream's `Status.Message()` does. */
  message(): string {
    return this.reasons.join(', ');
  }

  isSuccess(): boolean {
    return this.code === Code.Success;
  }

  /** isRejected is true for Unschedulable and UnschedulableAndUnresolvable. */
  isRejected(): boolean {
    return this.code === Code.Unschedulable || this.code === Code.UnschedulableAndUnresolvable;
  }

  isSkip(): boolean {
    return this.code === Code.Skip;
  }

  withPlugin(plugin: string): Status {
    this.plugin = plugin;
    return this;
  }
}

/** unschedulable builds an Unschedulable status. */
export function unschedulable(...reasons: string[]): Status {
  return new Status(Code.Unschedulable, reasons);
}

/** unresolvable builds an UnschedulableAndUnresolvable status. */
export function unresolvable(...reasons: string[]): Status {
  return new Status(Code.UnschedulableAndUnresolvable, reasons);
}

/** skip builds a Skip status. */
export function skip(): Status {
  return new Status(Code.Skip);
}

/** asStatus wraps an unexpected exception as an Error status. */
export function asStatus(err: unknown): Status {
  return new Status(Code.Error, [err instanceof Error ? err.message : String(err)], '', err);
}

/** isSuccess treats undefined as success. */
export function isSuccess(s: Status | undefined): boolean {
  return s === undefined || s.code === Code.Success;
}
