/**
 * `logModelOnce`: logs the model behind an autologged session in the onnx flavor, once per
 * distinct model (sha256 of its bytes) per process, and records the digest as a param either way,
 * so every run says which model served it. The save runs inside withoutOnnxAutolog: a session it
 * might open is runlog's own, not inference to log.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ActiveRun } from '@runlog/core';
import { logModel, type Flavor, type ModelSignature } from '@runlog/models';
import { withoutOnnxAutolog } from './autolog-suppress.js';
import { onnxFlavor } from './onnx-flavor.js';
import type { OnnxModelSource } from './onnx-session.js';

/** Distinct models remembered as logged; past this the set starts over (a model may then be logged again). */
const MAX_LOGGED_MODELS = 4_096;
const HASH_CHUNK_BYTES = 8 << 20;

const logged = new Set<string>();

/**
 * `prefix` is the session's key prefix in the run ('' or 'session_<k>/'): the model is named
 * `model`, or `session_<k>_model`. Bytes are read when this runs, after create returned; a
 * caller that reuses the buffer for something else meanwhile logs what it holds then.
 */
export async function logModelOnce(run: ActiveRun, source: OnnxModelSource, signature: ModelSignature | undefined, prefix: string): Promise<void> {
  const digest = await sha256Of(source);
  run.client.logParam(run.runId, `${prefix}onnx_model_sha256`, digest);
  if (logged.has(digest)) return;
  if (logged.size >= MAX_LOGGED_MODELS) logged.clear();
  logged.add(digest);
  try {
    await withoutOnnxAutolog(() =>
      logModel(source.kind === 'path' ? source.path : source.bytes, {
        name: prefix ? `${prefix.slice(0, -1)}_model` : 'model',
        runId: run.runId,
        client: run.client,
        flavor: onnxFlavor as unknown as Flavor<never>,
        signature,
      }),
    );
  } catch (err) {
    logged.delete(digest); // a later session may try again
    throw err;
  }
}

/** sha256 of the model bytes, streamed from a path, or hashed in chunks that yield to the event loop. */
async function sha256Of(source: OnnxModelSource): Promise<string> {
  const hash = createHash('sha256');
  if (source.kind === 'path') {
    for await (const chunk of createReadStream(source.path)) hash.update(chunk as Buffer);
  } else {
    for (let at = 0; at < source.bytes.length; at += HASH_CHUNK_BYTES) {
      hash.update(source.bytes.subarray(at, at + HASH_CHUNK_BYTES));
      if (at + HASH_CHUNK_BYTES < source.bytes.length) await yieldToLoop();
    }
  }
  return hash.digest('hex');
}
