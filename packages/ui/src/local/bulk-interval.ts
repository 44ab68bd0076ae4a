/**
 * `metrics/get-history-bulk-interval` sampling: at most `maxResults` points of one run's history,
 * evenly spread over its steps in [startStep, endStep] (all steps when unbounded), always keeping
 * the first and last step, one point per sampled step (the latest logged), sorted by step.
 */
import type { Metric } from '@runlog/core';
import type { MetricHistory } from './metric-history.js';

export function bulkIntervalSample(h: MetricHistory, maxResults: number, startStep?: number, endStep?: number): Metric[] {
  const byStep = new Map<number, number>();
  for (let i = 0; i < h.length; i++) {
    const s = h.steps[i]!;
    if (startStep !== undefined && (s < startStep || s > endStep!)) continue;
    const prev = byStep.get(s);
    if (prev === undefined || h.timestamps[i]! >= h.timestamps[prev]!) byStep.set(s, i);
  }
  const steps = [...byStep.keys()].sort((a, b) => a - b);
  let chosen = steps;
  if (steps.length > maxResults) {
    chosen = [];
    const stride = (steps.length - 1) / Math.max(1, maxResults - 1);
    for (let k = 0; k < maxResults; k++) chosen.push(steps[Math.round(k * stride)]!);
  }
  return [...new Set(chosen)].map((s) => h.point(byStep.get(s)!));
}
