"""Checks that the PyTorch definitions in scripts/torch_models.py are the
models of models/: for each one at a small size, atrousc generates random
weights (random:SEED) and saves them (--save-weights), the reference
interpreter runs the .atr model on a random input, the PyTorch module loads
the same safetensors file (every parameter, exact shapes, nothing extra) and
runs on the same input, and the outputs must agree within REL_TOL of the
output's largest magnitude.

The benchmark peers (PyTorch, ONNX Runtime on the exported ONNX) and the ONNX
importer's tests rely on this equality.

Usage: check_torch_models.py --atrousc BIN --work DIR [--seed N] [--only NAME]
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_DIR, "scripts"))
sys.dont_write_bytecode = True  # keep the source tree clean
import torch_models  # noqa: E402

REL_TOL = 1e-4
SIZES = torch_models.TEST_SIZES


def check_model(args, name, seed):
    """Returns a failure message, or None when the model matches."""
    directory = os.path.join(args.work, name)
    os.makedirs(directory)
    shape = torch_models.input_shape(name, SIZES[name])
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, shape).astype(np.float32)
    input_path = os.path.join(directory, "input.npy")
    np.save(input_path, x)
    weights = os.path.join(directory, "weights.safetensors")
    expected = os.path.join(directory, "reference.npy")
    argv = [args.atrousc, "run", os.path.join(SOURCE_DIR, "models", name + ".atr"), "--backend", "reference",
            "--weights", "random:%d" % seed, "--save-weights", weights,
            "--input-shape", torch_models.atr_input_shape(name, SIZES[name]),
            "--input", input_path, "--output", expected]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        return "atrousc failed: %s\n%s" % (" ".join(argv), proc.stderr)
    want = np.load(expected)

    model = torch_models.load_safetensors(torch_models.build(name), weights)
    with torch.no_grad():
        got = model(torch.from_numpy(x)).numpy()
    if got.shape != want.shape:
        return "shape %s from PyTorch, %s from the reference" % (list(got.shape), list(want.shape))
    scale = float(np.abs(want).max())
    err = float(np.abs(got.astype(np.float64) - want).max())
    print("%-14s %-18s max |ref| %.4g  max |torch - ref| %.3g" % (name, "x".join(map(str, shape)), scale, err))
    if not np.isfinite(want).all() or scale == 0:
        return "the reference output is degenerate (max |ref| %g)" % scale
    if err > REL_TOL * scale:
        return "max |torch - ref| %.4g exceeds %.1g x max |ref| (%.4g)" % (err, REL_TOL, scale)
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--atrousc", required=True)
    parser.add_argument("--work", required=True, help="scratch directory (emptied first)")
    parser.add_argument("--seed", type=int, default=None, help="weights and input seed (default: random)")
    parser.add_argument("--only", help="check one model")
    args = parser.parse_args()
    # A fresh seed each run (printed, so a failure can be replayed): the
    # equality must hold for any weights, not one lucky draw.
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    print("seed %d" % seed)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    failures = []
    for name in sorted(SIZES):
        if args.only and name != args.only:
            continue
        message = check_model(args, name, seed)
        if message:
            failures.append("%s: %s" % (name, message))
    for f in failures:
        print("FAIL " + f)
    if failures:
        print("replay with --seed %d" % seed)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
