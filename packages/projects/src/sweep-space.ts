import { createHash } from 'node:crypto';
import { InvalidArgumentError } from '@runlog/core';

/** How a sweep picks combinations: every one (grid) or `trials` drawn at random. */
export type SweepMode = 'grid' | 'random';

/** `-P lr=0.1,0.01` in a sweep: the values to try of each parameter (one value: fixed). */
export type SweepSpace = Record<string, string[]>;

/** A sweep's parameter values split at commas: `{lr: '0.1,0.01'}` → `{lr: ['0.1', '0.01']}`. */
export function sweepSpace(parameters: Record<string, string>): SweepSpace {
  const space: SweepSpace = {};
  for (const [k, v] of Object.entries(parameters)) {
    const values = v.split(',');
    if (values.some((x) => x === '')) throw new InvalidArgumentError(`Parameter '${k}': an empty value in the sweep list '${v}'.`);
    space[k] = [...new Set(values)];
  }
  return space;
}

/**
 * The combinations to run, in a stable order: grid = the cartesian product (first parameter
 * varying slowest), capped at `trials` when given; random = up to `trials` distinct combinations
 * drawn with a generator seeded by `seed`, so the same sweep draws the same ones again (which is
 * what makes it resumable).
 */
export function sweepCombinations(space: SweepSpace, mode: SweepMode, opts: { trials?: number | undefined; seed: number }): Array<Record<string, string>> {
  const keys = Object.keys(space);
  const total = keys.reduce((n, k) => n * space[k]!.length, 1);
  if (mode === 'grid') {
    const all: Array<Record<string, string>> = [{}];
    for (const k of keys) {
      const next: Array<Record<string, string>> = [];
      for (const partial of all) for (const v of space[k]!) next.push({ ...partial, [k]: v });
      all.splice(0, all.length, ...next);
    }
    return opts.trials === undefined ? all : all.slice(0, opts.trials);
  }
  const trials = Math.min(opts.trials ?? 10, total);
  const rand = mulberry32(opts.seed);
  const seen = new Set<string>();
  const out: Array<Record<string, string>> = [];
  for (let attempt = 0; out.length < trials && attempt < trials * 50; attempt++) {
    const combo: Record<string, string> = {};
    for (const k of keys) combo[k] = space[k]![Math.floor(rand() * space[k]!.length)]!;
    const id = comboKey(combo);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(combo);
  }
  return out;
}

/** A combination's identity, the value of a child's `runlog.sweep.combo` tag: its params as JSON, keys sorted. */
export function comboKey(combo: Record<string, string>): string {
  return JSON.stringify(Object.fromEntries(Object.keys(combo).sort().map((k) => [k, combo[k]])));
}

/** A sweep's identity (sha256 of what defines it), the value of its parent's `runlog.sweep.id` tag. */
export function sweepIdentity(parts: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/** A small seeded generator (mulberry32): the same seed draws the same numbers on every platform. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
