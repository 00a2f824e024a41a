// Runs a model with ONNX Runtime (npm onnxruntime-node, CPU) on every sample
// of a float32 .npy input, BATCH samples per call, and prints the seconds
// spent in inference (the whole process is timed by bench/run.sh).
//
//   node ort_throughput.js MODEL.onnx INPUT.npy BATCH
//
// Needs NODE_PATH pointing at a node_modules holding onnxruntime-node.
const ort = require('onnxruntime-node');
const {readFloat32Npy} = require('../test/models/npy');

async function main() {
  const [model, inputPath, batchArg] = process.argv.slice(2);
  const {data, shape} = readFloat32Npy(inputPath);
  const session = await ort.InferenceSession.create(model);
  const batch = Number(batchArg);
  const perSample = data.length / shape[0];
  const start = process.hrtime.bigint();
  for (let first = 0; first < shape[0]; first += batch) {
    const count = Math.min(batch, shape[0] - first);
    const x = new ort.Tensor('float32', data.subarray(first * perSample, (first + count) * perSample),
                             [count, ...shape.slice(1)]);
    await session.run({[session.inputNames[0]]: x});
  }
  console.log(Number(process.hrtime.bigint() - start) / 1e9);
}

main().catch(e => { console.error(e.message); process.exit(1); });
