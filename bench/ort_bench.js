// The ONNX Runtime peer of the benchmark (onnxruntime-node, installed by
// bench/run.sh under the build tree; found through NODE_PATH). Times one
// ONNX model, exported by bench/bench.py from the PyTorch definition of the
// case, with the timing policy of bench/Timing.h: warm-up runs, then timed
// runs until a minimum count and time, capped by a maximum count. Prints JSON
// {times_ms, output_shape} and writes the output as .npy for the driver's
// cross-check.
//
// Usage: node ort_bench.js MODEL.onnx INPUT.npy OUTPUT.npy THREADS WARMUP MIN_RUNS MIN_SECONDS MAX_RUNS
'use strict';

const fs = require('fs');
const ort = require('onnxruntime-node');

// A little-endian f32 C-order .npy, version 1.0 (what numpy.save writes).
function readNpy(path) {
  const bytes = fs.readFileSync(path);
  if (bytes.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(path + ': not a .npy file');
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.toString('latin1', 10, 10 + headerLength);
  if (!header.includes("'<f4'") || header.includes("'fortran_order': True"))
    throw new Error(path + ': expected little-endian f32 in C order, got ' + header.trim());
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim() !== '').map(Number);
  const start = 10 + headerLength;
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + bytes.length));
  return {shape, data};
}

function writeNpy(path, shape, data) {
  const dims = shape.length === 1 ? shape[0] + ',' : shape.join(', ');
  let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + '), }';
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.alloc(10);
  prefix.write('\x93NUMPY', 0, 'latin1');
  prefix.writeUInt8(1, 6);
  prefix.writeUInt8(0, 7);
  prefix.writeUInt16LE(header.length, 8);
  fs.writeFileSync(path, Buffer.concat([prefix, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

async function main() {
  const [model, inputPath, outputPath, threads, warmup, minRuns, minSeconds, maxRuns] = process.argv.slice(2);
  if (maxRuns === undefined) throw new Error('usage: ort_bench.js MODEL INPUT OUTPUT THREADS WARMUP MIN_RUNS MIN_SECONDS MAX_RUNS');
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: Number(threads),
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const input = readNpy(inputPath);
  const feeds = {[session.inputNames[0]]: new ort.Tensor('float32', input.data, input.shape)};
  let result;
  for (let i = 0; i < Number(warmup); ++i) result = await session.run(feeds);
  const times = [];
  const start = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
  while (times.length < Number(maxRuns) && (times.length < Number(minRuns) || elapsed() < Number(minSeconds))) {
    const t0 = process.hrtime.bigint();
    result = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const output = result[session.outputNames[0]];
  writeNpy(outputPath, output.dims, output.data);
  console.log(JSON.stringify({times_ms: times, output_shape: output.dims, version: ort.env.versions.common}));
}

main().catch((e) => {
  console.error('ort_bench: error: ' + e.message);
  process.exit(1);
});
