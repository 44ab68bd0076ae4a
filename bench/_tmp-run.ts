import { onnxAutologBench, onnxModelBench } from './onnx-autolog.bench.js';
console.log(JSON.stringify(await onnxAutologBench()));
console.log(JSON.stringify(await onnxModelBench()));
