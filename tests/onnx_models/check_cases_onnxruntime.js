// An independent oracle for the ONNX import cases: runs every case of
// tests/onnx through ONNX Runtime (onnxruntime-node, which bench/run.sh
// installs under the build tree) and compares with the committed goldens
// (float outputs within 1e-5 of their scale, `exact` cases and integers bit
// for bit), so the goldens -- PyTorch's, and the numpy evaluation of the ONNX
// specification in scripts/make_onnx_tests.py -- are checked against the
// reference runtime too. Exits 77 (skipped) when onnxruntime-node is absent.
//
// Usage: NODE_PATH=.../node_modules node check_cases_onnxruntime.js CASES_DIR
'use strict';

const fs = require('fs');
const path = require('path');

let ort;
try {
  ort = require('onnxruntime-node');
} catch (e) {
  console.log('skipped: onnxruntime-node is not installed (bench/run.sh installs it)');
  process.exit(77);
}

// Cases ONNX Runtime does not run although the specification defines them.
const ORT_LACKS = {
  conv_auto_pad_same_lower: 'dilations with auto_pad SAME_* ("Dilation not supported")',
};

function readNpy(file) {
  const bytes = fs.readFileSync(file);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.toString('latin1', 10, 10 + headerLength);
  const descr = header.match(/'descr': '([^']*)'/)[1];
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').filter((s) => s.trim() !== '').map(Number);
  const data = bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length);
  if (descr === '<f4') return {shape, data: new Float32Array(data)};
  if (descr === '<i8') return {shape, data: new BigInt64Array(data)};
  throw new Error(file + ': unexpected dtype ' + descr);
}

async function main() {
  const root = process.argv[2];
  let checked = 0;
  const failures = [];
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name);
    if (!fs.existsSync(path.join(dir, 'meta.json'))) continue;
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json')));
    if (meta.error || ORT_LACKS[name]) continue;
    try {
      const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), {logSeverityLevel: 3});
      const feeds = {};
      session.inputNames.forEach((input, k) => {
        const a = readNpy(path.join(dir, 'input' + k + '.npy'));
        feeds[input] = new ort.Tensor('float32', a.data, a.shape);
      });
      const result = await session.run(feeds);
      session.outputNames.forEach((output, k) => {
        const want = readNpy(path.join(dir, 'output' + k + '.npy'));
        const got = result[output].data;
        let scale = 1, worst = 0;
        for (let i = 0; i < want.data.length; ++i) scale = Math.max(scale, Math.abs(Number(want.data[i])));
        for (let i = 0; i < want.data.length; ++i)
          worst = Math.max(worst, Math.abs(Number(got[i]) - Number(want.data[i])));
        const exact = meta.exact || want.data instanceof BigInt64Array;
        if (got.length !== want.data.length || (exact ? worst > 0 : !(worst <= 1e-5 * scale)))
          failures.push(name + ' output ' + k + ': |diff| ' + worst + ' at scale ' + scale);
      });
      ++checked;
    } catch (e) {
      failures.push(name + ': ' + String(e).split('\n')[0]);
    }
  }
  for (const f of failures) console.log('FAIL ' + f);
  console.log(checked + ' cases checked against ONNX Runtime ' + ort.env.versions.common + ', ' +
              failures.length + ' failures; not run: ' + JSON.stringify(ORT_LACKS));
  process.exit(failures.length ? 1 : 0);
}

main();
