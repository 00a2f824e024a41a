// Differential oracle: runs an ONNX model with ONNX Runtime (npm package
// onnxruntime-node, CPU) and writes its outputs as .npy files. With --optimize
// it also saves the graph ORT's optimizer produced (QDQ fused into QLinear*
// / com.microsoft QOperator ops).
//
//   node ort_oracle.js MODEL.onnx INPUT.npy OUT_PREFIX [--optimize=OPT.onnx]
//
// Needs NODE_PATH pointing at a node_modules holding onnxruntime-node
// (ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node).
const ort = require('onnxruntime-node');
const {readFloat32Npy, writeNpy} = require('./npy');

function readNpy(path) {
  const {data, shape} = readFloat32Npy(path);
  return new ort.Tensor('float32', data, shape);
}

async function main() {
  const [model, input, prefix, ...rest] = process.argv.slice(2);
  const options = {graphOptimizationLevel: 'extended'};
  const opt = rest.find(a => a.startsWith('--optimize='));
  if (opt) options.optimizedModelFilePath = opt.slice('--optimize='.length);
  const session = await ort.InferenceSession.create(model, options);
  const feeds = {[session.inputNames[0]]: readNpy(input)};
  const results = await session.run(feeds);
  for (const name of session.outputNames) writeNpy(`${prefix}${name}.npy`, results[name]);
}

main().catch(e => { console.error(e.message); process.exit(1); });
