/**
 * Issue #10 benchmark: logMetric's cost on the caller with the journal on (the default for a
 * server), median ns/call over repetitions of 200k calls against a server that accepts everything;
 * anchor, same run: durability 'memory'. Target: under 300 ns, and close to the anchor.
 *
 * Issue #5 benchmark: a long outage. A journaled client logs BENCH_OUTAGE_POINTS (default
 * 10,000,000) metric points while its tracking server is unreachable; memory must stay bounded
 * (target: RSS < 200 MB) because past the in-memory bound records live only in the journal.
 * Anchor, same run: the same loop with durability 'memory', which holds up to its 2M-record queue
 * in memory and then drops.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { line, ratio } from './stats.js';

const MB = 1024 * 1024;
const KEYS = 10;

/** A loopback port nobody listens on: every request fails at once with ECONNREFUSED. */
async function deadPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

/** Runs the logging loop in a fresh process that loads only @runlog/core. */
async function logThroughOutage(durability: 'journal' | 'memory', points: number, journalDir: string) {
  const uri = `http://127.0.0.1:${await deadPort()}`;
  const child = fileURLToPath(new URL('./journal-outage-child.mjs', import.meta.url));
  const res = spawnSync(process.execPath, [child, durability, String(points), journalDir, uri], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`outage child failed: ${res.stderr}`);
  const lastLine = res.stdout.trim().split('\n').at(-1)!;
  return JSON.parse(lastLine) as { rssBefore: number; peak: number; seconds: number; dropped: number; journalBytes: number };
}

/** Runs the caller-cost loop in a fresh process (journal-cost-child.mjs). */
function callerCost(durability: 'journal' | 'memory', journalDir: string): number {
  const child = fileURLToPath(new URL('./journal-cost-child.mjs', import.meta.url));
  const res = spawnSync(process.execPath, [child, durability, journalDir], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`cost child failed: ${res.stderr}`);
  const out = JSON.parse(res.stdout.trim().split('\n').at(-1)!) as { medianNs: number; ok: boolean };
  if (!out.ok) throw new Error('cost child: the client did not flush everything');
  return out.medianNs;
}

export async function journalCostBench(): Promise<void> {
  console.log('\n#10 journal: logMetric caller cost with the journal on (server up)');
  const dir = mkdtempSync(join(tmpdir(), 'runlog-bench-cost-'));
  try {
    // Interleaved (A-B-A-B) so that load on a shared machine cannot favour either side.
    const memory: number[] = [];
    const journal: number[] = [];
    for (let i = 0; i < 2; i++) {
      memory.push(callerCost('memory', join(dir, `m${i}`)));
      journal.push(callerCost('journal', join(dir, `j${i}`)));
    }
    const m = Math.min(...memory);
    const j = Math.min(...journal);
    line("anchor 'memory': logMetric median", `${m.toFixed(0)} ns/call`, `(runs: ${memory.map((x) => x.toFixed(0)).join(', ')})`);
    line('journal on: logMetric median', `${j.toFixed(0)} ns/call`, `(target < 300 ns; runs: ${journal.map((x) => x.toFixed(0)).join(', ')})`);
    line('journal on vs memory-only', ratio(j, m));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function journalOutageBench(): Promise<void> {
  await journalCostBench();
  const points = Number(process.env.BENCH_OUTAGE_POINTS ?? 10_000_000);
  console.log(`\n#5 journal: ${points.toLocaleString('en-US')} points logged while the server is unreachable`);
  const dir = mkdtempSync(join(tmpdir(), 'runlog-bench-journal-'));
  try {
    const j = await logThroughOutage('journal', points, join(dir, 'journal'));
    const m = await logThroughOutage('memory', points, join(dir, 'memory'));
    line('journal: peak RSS while logging', `${(j.peak / MB).toFixed(0)} MB`, `(target < 200 MB; ${(j.rssBefore / MB).toFixed(0)} MB before)`);
    line('journal: points kept (none dropped)', `${(points - j.dropped).toLocaleString('en-US')}`, `${j.dropped} dropped`);
    line('journal: bytes on disk', `${(j.journalBytes / MB).toFixed(0)} MB`, `${(j.journalBytes / points).toFixed(1)} bytes/point`);
    line('journal: logMetric cost, mean over the loop', `${((j.seconds * 1e9) / points).toFixed(0)} ns/call`);
    line("anchor 'memory': peak RSS", `${(m.peak / MB).toFixed(0)} MB`, `${m.dropped.toLocaleString('en-US')} points dropped (queue bound 2M)`);
    line("anchor 'memory': logMetric cost, mean", `${((m.seconds * 1e9) / points).toFixed(0)} ns/call`);
    line('journal cost per call vs memory-only', ratio(j.seconds, m.seconds));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
