// A serving script used by autolog-exit.test.ts. argv: <trackingDir> <model.onnx>
// Enables ONNX autologging (not awaited, as autolog() is), runs 25 inferences and returns without
// releasing the session: runlog's exit hooks must end the session's run FINISHED, with the last
// window logged.
import { setTrackingUri } from '@runlog/core';
import * as ort from 'onnxruntime-node';
import { onnxAutologPlugin } from '../../src/onnx-autolog-plugin.js';

const [dir, model] = process.argv.slice(2);
setTrackingUri(dir);
onnxAutologPlugin.enable({}, { logEveryNCalls: 10 });
const session = await ort.InferenceSession.create(model!);
const x = new ort.Tensor('float32', new Float32Array(12), [3, 4]);
for (let i = 0; i < 25; i++) await session.run({ x });
process.stdout.write('done\n');
