// Reading and writing NumPy .npy files for the ONNX Runtime scripts
// (test/models/ort_oracle.js, bench/ort_throughput.js).
const fs = require('fs');

function readFloat32Npy(path) {
  const buf = fs.readFileSync(path);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.slice(10, 10 + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map(s => s.trim())
      .filter(s => s.length).map(Number);
  if (descr !== '<f4') throw new Error(`${path}: only float32 inputs are supported, got ${descr}`);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + 10 + headerLen,
                                                 buf.byteOffset + buf.length));
  return {data, shape};
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

module.exports = {readFloat32Npy, writeNpy};
