/**
 * `AutologSession`: one autologged InferenceSession — the instance-level `run` and `release`
 * wrappers, the run it logs into, its SessionRecorder, and its end.
 *
 * Attribution (decided when `create` resolves, in the caller's async context):
 * - a run is active (the user's): the session logs into it and leaves it open; `exclusive` leaves
 *   such a session unlogged. A second session logging into the same run gets its keys prefixed
 *   `session_<k>/`, so sessions never mix series or collide on params;
 * - no run is active: a run is started for the session, tagged `mlflow.autologging=onnx`, and
 *   ended FINISHED by `session.release()`, by `disable()`, or else by runlog's exit hooks (FINISHED
 *   on beforeExit, KILLED on SIGINT/SIGTERM). That run is not made the active run: inference has
 *   no natural end, and a long-lived session must not make the user's own `startRun()` throw.
 *
 * Nothing here throws into inference: the wrappers return the original results and errors
 * unchanged, and a failure of the plugin stops autologging this session with one warning.
 */
import { activeRun, endRun, type ActiveRun, type AutologOptions } from '@runlog/core';
import { beginAutologRun, unwrapMethod, warnOnce, wrapMethod, type AnyFunction, type AutologRun, type MethodPatch } from '@runlog/core/internal';
import type { ModelSignature } from '@runlog/models';
import type { InferenceSession } from 'onnxruntime-node';
import { logModelOnce } from './log-model-once.js';
import { readOnnxModelHeader } from './onnx-model-header.js';
import { inspectOnnxHeader, type OnnxModelHeader } from './onnx-proto.js';
import type { OnnxModelSource } from './onnx-session.js';
import { inferOnnxSignature } from './onnx-signature.js';
import { headerParams, sessionParams, type CreateArguments } from './session-description.js';
import { SessionRecorder, type InferenceWindow } from './session-recorder.js';
import { timedRun } from './timed-run.js';

export const PLUGIN_NAME = 'onnx';

/** The plugin's settings, fixed for a session when it is created. */
export interface OnnxAutologSettings {
  options: AutologOptions;
  logEveryNCalls: number;
  logEveryMs: number;
  logModels: boolean;
}

/** What the create wrapper measured. */
export interface CreatedSession extends CreateArguments {
  loadMs: number;
  /** Wall-clock ms when create resolved: the timestamp of `model_load_ms`. */
  createdAt: number;
}

/** How long release() (and disable()) wait for the session's run to be resolved, its model logged and an owned run ended. */
const CLOSE_TIMEOUT_MS = 5_000;
/** Windows kept while the session's run is being started; past this the oldest are dropped (and counted). */
const MAX_EARLY_WINDOWS = 100;

/** How many sessions have logged into a run, for the `session_<k>/` prefix. */
const sessionsPerRun = new WeakMap<ActiveRun, number>();

export class AutologSession {
  readonly recorder: SessionRecorder;
  private handle: AutologRun | undefined;
  private prefix = '';
  /** Logs a window into the session's run, once that run is known. */
  private log: ((window: InferenceWindow, timestamp: number) => void) | undefined;
  /** Windows handed out before the run was known (its creation is a store round trip). */
  private readonly early: Array<{ window: InferenceWindow; timestamp: number }> = [];
  private droppedWindows = 0;
  private readonly hooks: MethodPatch[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly ready: Promise<void>;
  private closing: Promise<void> | undefined;

  /** Starts autologging a session create just returned; undefined when it is not to be logged. */
  static start(
    session: InferenceSession,
    created: CreatedSession,
    settings: OnnxAutologSettings,
    onClosed: (s: AutologSession) => void,
  ): AutologSession | undefined {
    if (settings.options.exclusive && activeRun()) return undefined;
    return new AutologSession(session, created, settings, onClosed);
  }

  private constructor(
    session: InferenceSession,
    private readonly created: CreatedSession,
    private readonly settings: OnnxAutologSettings,
    private readonly onClosed: (s: AutologSession) => void,
  ) {
    this.recorder = new SessionRecorder({ logEveryNCalls: settings.logEveryNCalls, logEveryMs: settings.logEveryMs });
    this.recorder.sink = (w) => this.onWindow(w);
    // Read from the session now, so nothing below holds it: a dropped session stays collectable.
    const params = sessionParams(session, created);
    const signature = settings.logModels && settings.options.logModelSignatures !== false ? inferOnnxSignature(session) : undefined;
    const firstInput = session.inputNames[0];
    const rec = this.recorder;
    const fail = (err: unknown): void => this.fail(err);
    for (const hook of [
      wrapMethod(session, 'run', (original) => timedRun(original, rec, firstInput, fail)),
      wrapMethod(session, 'release', (original) => releaseThenClose(original, this)),
    ]) {
      if (hook) this.hooks.push(hook);
    }
    this.timer = setInterval(() => {
      try {
        rec.tick();
      } catch (err) {
        fail(err);
      }
    }, settings.logEveryMs);
    this.timer.unref();
    // beginAutologRun looks at the active run synchronously, so the run is the one active now.
    this.ready = this.begin(beginAutologRun(PLUGIN_NAME, settings.options), params, signature);
  }

  /** Hands out the current window (process exit). */
  flushWindow(): void {
    if (!this.recorder.live) return;
    try {
      this.recorder.flush('close');
    } catch (err) {
      this.fail(err);
    }
  }

  /**
   * Stops autologging the session: removes its wrappers, logs the last window and ends a run it
   * owns, waiting at most CLOSE_TIMEOUT_MS for the tracking store (past that the run still ends
   * in the background). Idempotent; never rejects.
   */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    clearInterval(this.timer);
    for (const hook of this.hooks) unwrapMethod(hook);
    this.onClosed(this);
    if (await settlesWithin(this.ready, CLOSE_TIMEOUT_MS)) await this.finish();
    else void this.ready.then(() => this.finish());
  }

  private async finish(): Promise<void> {
    this.flushWindow();
    this.recorder.live = false;
    if (!this.handle?.owned) return;
    try {
      await endRun('FINISHED', { run: this.handle.run, timeoutMs: CLOSE_TIMEOUT_MS });
    } catch (err) {
      warnOnce(PLUGIN_NAME, err, this.settings.options.silent);
    }
  }

  /** The recorder's sink: logs a window, or keeps it (bounded) until the session's run is known. */
  private onWindow(window: InferenceWindow): void {
    if (this.log) return this.log(window, Date.now());
    if (this.early.length >= MAX_EARLY_WINDOWS) {
      this.early.shift();
      this.droppedWindows++;
      if (this.droppedWindows === 1) warnOnce(PLUGIN_NAME, `the tracking store is slow to start a run: only the latest ${MAX_EARLY_WINDOWS} inference windows are kept until it does`, this.settings.options.silent);
    }
    this.early.push({ window, timestamp: Date.now() });
  }

  private fail(err: unknown): void {
    this.recorder.live = false;
    this.early.length = 0;
    warnOnce(PLUGIN_NAME, err, this.settings.options.silent);
  }

  private async begin(pending: Promise<AutologRun | null>, params: Record<string, string>, signature: ModelSignature | undefined): Promise<void> {
    const { source } = this.created;
    let handle: AutologRun | null;
    try {
      const header = source ? readHeader(source).catch((err: unknown) => void warnOnce(PLUGIN_NAME, err, this.settings.options.silent)) : undefined;
      handle = await pending;
      if (!handle) {
        this.recorder.live = false;
        this.early.length = 0;
        return;
      }
      if (handle.owned) leaveActiveStack(handle.run);
      this.handle = handle;
      const k = (sessionsPerRun.get(handle.run) ?? 0) + 1;
      sessionsPerRun.set(handle.run, k);
      this.prefix = k === 1 ? '' : `session_${k}/`;
      const { client, runId } = handle.run;
      client.logMetric(runId, `${this.prefix}model_load_ms`, this.created.loadMs, { step: 0, timestamp: this.created.createdAt });
      this.log = windowLogger(handle.run, this.prefix);
      for (const { window, timestamp } of this.early.splice(0)) this.log(window, timestamp);
      const h = await header;
      for (const [key, value] of Object.entries({ ...params, ...(h ? headerParams(h) : {}) })) client.logParam(runId, this.prefix + key, value);
    } catch (err) {
      this.fail(err);
      return;
    }
    if (!this.settings.logModels || !source) return;
    try {
      await logModelOnce(handle.run, source, signature, this.prefix);
    } catch (err) {
      // The model is extra: its failure leaves the inference figures alone.
      warnOnce(PLUGIN_NAME, err, this.settings.options.silent);
    }
  }
}

/** release() as the session's own, then the end of its autologging (which never rejects). */
function releaseThenClose(original: AnyFunction, session: AutologSession): AnyFunction {
  return async function release(this: unknown, ...args: unknown[]): Promise<unknown> {
    try {
      return await original.apply(this, args);
    } finally {
      await session.close();
    }
  };
}

/** The sink that logs a window as metrics at step = the session's call count. */
function windowLogger(run: ActiveRun, prefix: string): (w: InferenceWindow, timestamp: number) => void {
  const { client, runId } = run;
  const key = {
    calls: `${prefix}inference_calls`,
    rowsPerCall: `${prefix}inference_rows_per_call`,
    p50: `${prefix}inference_latency_ms_p50`,
    p95: `${prefix}inference_latency_ms_p95`,
    p99: `${prefix}inference_latency_ms_p99`,
    throughput: `${prefix}inference_throughput_rows_per_s`,
  };
  return (w, timestamp) => {
    const opts = { step: w.totalCalls, timestamp };
    client.logMetric(runId, key.calls, w.totalCalls, opts);
    client.logMetric(runId, key.rowsPerCall, w.rowsPerCall, opts);
    if (w.timedCalls > 0) {
      client.logMetric(runId, key.p50, w.latencyP50Ms, opts);
      client.logMetric(runId, key.p95, w.latencyP95Ms, opts);
      client.logMetric(runId, key.p99, w.latencyP99Ms, opts);
    }
    if (Number.isFinite(w.throughputRowsPerS)) client.logMetric(runId, key.throughput, w.throughputRowsPerS, opts);
  };
}

/**
 * A run started for a session is not left as the active run (see the module comment). Until
 * @runlog/core can start a run without activating it, it is taken off the stack it was pushed on;
 * it stays among the live runs, so the exit hooks still end it.
 */
function leaveActiveStack(run: ActiveRun): void {
  const i = run.stack.lastIndexOf(run);
  if (i >= 0) run.stack.splice(i, 1);
}

async function readHeader(source: OnnxModelSource): Promise<OnnxModelHeader> {
  return source.kind === 'path' ? readOnnxModelHeader(source.path) : inspectOnnxHeader(source.bytes);
}

/** True when `p` settled within `ms`. */
async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
