import { maxNodeScore, type NodeScore } from '../../framework/interfaces.js';

/**
 * defaultNormalizeScore scales scores so the highest becomes maxPriority (upstream
 * DefaultNormalizeScore); `reverse` flips them so that the lowest raw score ranks best. All zero stays
 * zero, or becomes maxPriority everywhere when reversed.
 */
export function defaultNormalizeScore(scores: NodeScore[], reverse: boolean, maxPriority = maxNodeScore): void {
  let max = 0;
  for (const s of scores) if (s.score > max) max = s.score;
  if (max === 0) {
    if (reverse) for (const s of scores) s.score = maxPriority;
    return;
  }
  for (const s of scores) {
    let v = Math.floor((maxPriority * s.score) / max);
    if (reverse) v = maxPriority - v;
    s.score = v;
  }
}
