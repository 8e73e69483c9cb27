/**
 * Node selector matching shared by NodeAffinity and PodTopologySpread (upstream
 * component-helpers/scheduling/corev1/nodeaffinity): `spec.nodeSelector` AND the required node
 * affinity terms (terms ORed, expressions within a term ANDed).
 */
import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from 'kubernetes-types/core/v1.js';

function matchExpression(e: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, e.key);
  const v = labels[e.key];
  const values = e.values ?? [];
  switch (e.operator) {
    case 'In':
      return has && values.includes(v ?? '');
    case 'NotIn':
      return !has || !values.includes(v ?? '');
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1 || !/^-?\d+$/.test(v ?? '') || !/^-?\d+$/.test(values[0] ?? '')) return false;
      const a = BigInt(v ?? '0');
      const b = BigInt(values[0] ?? '0');
      return e.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

/** nodeSelectorTermMatches evaluates one term; a term with no requirements matches nothing. */
export function nodeSelectorTermMatches(term: NodeSelectorTerm, node: Node): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata?.labels ?? {};
  if (!exprs.every((e) => matchExpression(e, labels))) return false;
  const fieldValues = { 'metadata.name': node.metadata?.name ?? '' };
  return fields.every((f) => f.key === 'metadata.name' && (f.operator === 'In' || f.operator === 'NotIn') && matchExpression(f, fieldValues));
}

/** nodeSelectorTermsMatch ORs the terms. */
export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], node: Node): boolean {
  return terms.some((t) => nodeSelectorTermMatches(t, node));
}

/** RequiredNodeAffinity is a pod's hard node constraints, parsed once per cycle. */
export class RequiredNodeAffinity {
  private readonly selector: [string, string][];
  private readonly terms: readonly NodeSelectorTerm[] | undefined;

  constructor(pod: Pod) {
    this.selector = Object.entries(pod.spec?.nodeSelector ?? {});
    this.terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  }

  /** match reports whether the node satisfies nodeSelector and the required terms. */
  match(node: Node): boolean {
    const labels = node.metadata?.labels ?? {};
    for (const [k, v] of this.selector) if (labels[k] !== v) return false;
    return this.terms === undefined || nodeSelectorTermsMatch(this.terms, node);
  }
}
