// Differential oracle: runs an ONNX model with ONNX Runtime (npm package
// onnxruntime-node, CPU) and writes its outputs as .npy files. With --optimize
// it also saves the graph ORT's optimizer produced (QDQ fused into QLinear*
// / com.microsoft QOperator ops).
//
//   node ort_oracle.js MODEL.onnx INPUT.npy OUT_PREFIX [--optimize=OPT.onnx]
//
// Needs NODE_PATH pointing at a node_modules holding onnxruntime-node
// (ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node).
const fs = require('fs');
const ort = require('onnxruntime-node');

function readNpy(path) {
  const buf = fs.readFileSync(path);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.slice(10, 10 + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim())
      .filter(s => s.length).map(Number);
  if (descr !== '<f4') throw new Error(`${path}: only float32 inputs are supported, got ${descr}`);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + 10 + headerLen,
                                                 buf.byteOffset + buf.length));
  return new ort.Tensor('float32', data, shape);
}

function writeNpy(path, tensor) {
  const kinds = {float32: ['<f4', Float32Array], uint8: ['|u1', Uint8Array], int8: ['|i1', Int8Array],
                 int32: ['<i4', Int32Array]};
  const [descr] = kinds[tensor.type];
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)` : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1; pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const data = Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
  fs.writeFileSync(path, Buffer.concat([pre, Buffer.from(header, 'latin1'), data]));
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
