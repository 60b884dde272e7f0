"""Checks the ONNX importer on the whole models of models/, exported from
their PyTorch definitions (scripts/torch_models.py) at small sizes: for each
model, random weights and input, PyTorch's output (the module in float64 on
the same f32 values), and three exports -- torch_models.export_onnx (opset
13, batchnorm kept as a node, the initializers named like the state_dict),
torch.onnx.export's defaults at opset 11 (batchnorm folded into the convs by
the exporter), and opset 17 with dynamic batch and spatial dims and without
the exporter's constant folding (every size is a Shape chain the importer
folds once --input-shape fixes the dims). Every export must import and match PyTorch
through the reference interpreter; the opset-13 one also through generated
code (-O2), and `atrousc import` of it must give a .atr + .safetensors pair
that computes the same outputs bit for bit. The exports are tens of MB, so
they are made here, in the build tree, rather than committed.

Usage: check_onnx_models.py --atrousc BIN --work DIR [--only NAME]
"""

import argparse
import copy
import os
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))
sys.dont_write_bytecode = True  # keep the source tree clean
import torch_models  # noqa: E402

# Relative to the output's largest magnitude. PyTorch's golden is exact
# (float64); the reference interpreter's f32 rounding over tens of layers
# stays near 1e-6 of the output scale, generated code's near 1e-5.
REL_TOL = 1e-4
SIZES = torch_models.TEST_SIZES
SEED = 3


def randomize(module, rng):
    """Batchnorm statistics away from the identity (weights keep torch's
    seeded default initialization)."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
                c = m.num_features
                m.running_mean.copy_(torch.from_numpy(rng.uniform(-0.2, 0.2, c).astype(np.float32)))
                m.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, c).astype(np.float32)))
                m.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, c).astype(np.float32)))
                m.bias.copy_(torch.from_numpy(rng.uniform(-0.2, 0.2, c).astype(np.float32)))


def export_default(module, shape, path, opset, dynamic=False):
    axes = {"input": {d: "d%d" % d for d in [0] + list(range(2, len(shape)))}} if dynamic else None
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.zeros(shape),), path, opset_version=opset,
                          input_names=["input"], output_names=["output"], dynamic_axes=axes,
                          do_constant_folding=not dynamic)


def run(argv):
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("failed: %s\n%s%s" % (" ".join(argv), proc.stdout, proc.stderr))
    return proc.stdout


def relative_error(got, want):
    return float(np.abs(got.astype(np.float64) - want).max() / max(1.0, np.abs(want).max()))


def check_model(args, name):
    """Returns a list of failure messages."""
    directory = os.path.join(args.work, name)
    os.makedirs(directory)
    torch.manual_seed(SEED)
    rng = np.random.default_rng(SEED)
    module = torch_models.build(name)
    randomize(module, rng)
    shape = torch_models.input_shape(name, SIZES[name])
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    with torch.no_grad():
        want = copy.deepcopy(module).double()(torch.from_numpy(x).double()).numpy()
    x_path = os.path.join(directory, "input.npy")
    np.save(x_path, x)

    exports = {"op13_bn_kept": 13, "op11": 11, "op17_dynamic": 17}
    failures = []
    for label, opset in exports.items():
        path = os.path.join(directory, label + ".onnx")
        if label == "op13_bn_kept":
            torch_models.export_onnx(module, shape, path, opset=opset)
        else:
            export_default(module, shape, path, opset, dynamic=label.endswith("dynamic"))
        fix = ["--input-shape", "input=" + "x".join(str(d) for d in shape)] if label.endswith("dynamic") else []
        backends = ["reference", "halide"] if label == "op13_bn_kept" else ["reference"]
        for backend in backends:
            out = os.path.join(directory, "%s_%s.npy" % (label, backend))
            start = time.time()
            try:
                run([args.atrousc, "run", path, "--backend", backend, "--input", x_path, "--output", out] + fix)
            except RuntimeError as e:
                failures.append("%s %s: %s" % (name, label, e))
                continue
            err = relative_error(np.load(out), want)
            print("%s %s %s: relative error %.2e (%.1f s)" % (name, label, backend, err, time.time() - start))
            if not err <= REL_TOL:
                failures.append("%s %s %s: relative error %.2e > %.0e" % (name, label, backend, err, REL_TOL))

    # `atrousc import` round trip: the text form and its weights compute what
    # the ONNX file computes.
    onnx_path = os.path.join(directory, "op13_bn_kept.onnx")
    atr, weights = os.path.join(directory, name + ".atr"), os.path.join(directory, name + ".safetensors")
    try:
        run([args.atrousc, "import", onnx_path, "-o", atr, "--weights-out", weights])
        out = os.path.join(directory, "imported.npy")
        run([args.atrousc, "run", atr, "--weights", weights, "--backend", "reference", "--input", x_path,
             "--output", out])
        direct = np.load(os.path.join(directory, "op13_bn_kept_reference.npy"))
        if not np.array_equal(np.load(out), direct):
            failures.append("%s: the imported .atr + .safetensors compute other outputs than the .onnx" % name)
        check = run([args.atrousc, "check", onnx_path])
        print("%s: atrousc check: %s" % (name, check.strip().splitlines()[-2]))
    except (RuntimeError, FileNotFoundError) as e:
        failures.append("%s import round trip: %s" % (name, e))
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--atrousc", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--only")
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    failures = []
    for name in sorted(SIZES):
        if args.only and name != args.only:
            continue
        failures += check_model(args, name)
    for f in failures:
        print("FAIL " + f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
