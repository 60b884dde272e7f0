"""Checks the benchmark's one-definition-feeds-all claim (bench/cases.py) on
small versions of every kind of case: the generated .atr run by the reference
interpreter, the generated PyTorch module and onednn_bench on the generated
spec (direct, and Winograd where it applies and oneDNN has it) must compute
the same output from the same weights (random:SEED, saved by atrousc) and
input, within REL_TOL of the output's largest magnitude (WINOGRAD_TOL for
Winograd's transforms). Shapes and rates are drawn from the seed.

Usage: check_bench_cases.py --atrousc BIN --work DIR [--onednn-bench BIN] [--seed N]
"""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(SOURCE_DIR, "bench"))
import cases  # noqa: E402
import torch_models  # noqa: E402

REL_TOL = 1e-4
WINOGRAD_TOL = 1e-3


def small_cases(rng):
    c = rng.choice([8, 12, 16])
    return [
        cases.dilated_conv(rng.randint(9, 17), 1, channels=c),
        cases.dilated_conv(rng.randint(9, 17), rng.choice([2, 3, 6]), channels=c),
        cases.dilated_conv(9, 12, channels=c),  # most taps in padding
        cases.depthwise(rng.choice([1, 2, 4]), channels=c, size=rng.randint(9, 17)),
        cases.aspp(size=rng.randint(9, 15), cin=c, cout=4, rates=(2, 4, 6), image_pool=False),
        cases.aspp(size=11, cin=c, cout=4, rates=(1, 3, 5)),
        cases.deconv(c, 4, 4, rng.randint(5, 9)),
        cases.deconv(c, 4, 3, rng.randint(5, 9), output_padding=1),
        cases.wavenet_stack(channels=c, length=rng.randint(60, 130), layers=7),
    ]


def compare(what, got, want, tol):
    if got.shape != want.shape:
        return "%s: shape %s, the reference %s" % (what, list(got.shape), list(want.shape))
    scale = float(np.abs(want).max())
    err = float(np.abs(got.astype(np.float64) - want).max())
    if scale == 0 or err > tol * scale:
        return "%s: max |diff| %.3g over max |ref| %.3g exceeds %g" % (what, err, scale, tol)
    return None


def check_case(args, case, index, seed):
    d = os.path.join(args.work, "%d_%s" % (index, case.id))
    os.makedirs(d)
    atr = case.atr_path(d)
    x = np.random.default_rng(seed + index).uniform(-1, 1, case.input_shape()).astype(np.float32)
    input_path, weights, ref = (os.path.join(d, f) for f in ("input.npy", "weights.safetensors", "ref.npy"))
    np.save(input_path, x)
    argv = [args.atrousc, "run", atr, "--backend", "reference", "--weights", "random:%d" % (seed + index),
            "--save-weights", weights, "--input", input_path, "--output", ref]
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        return ["atrousc failed on the generated model: " + proc.stderr.strip()], []
    want = np.load(ref)
    failures, checked = [], ["reference", "PyTorch"]
    module = torch_models.load_safetensors(case.torch_module(), weights)
    with torch.no_grad():
        got = module(torch.from_numpy(x)).numpy()
    failures.append(compare("PyTorch", got, want, REL_TOL))
    if args.onednn_bench:
        algorithms = ["direct"] + (["winograd"] if case.winograd_applies() else [])
        for algorithm in algorithms:
            spec = case.onednn_spec(algorithm)
            if spec["skipped"]:
                continue  # its output differs by design
            spec_path, out = os.path.join(d, algorithm + ".json"), os.path.join(d, algorithm + ".npy")
            with open(spec_path, "w") as f:
                json.dump(spec, f)
            proc = subprocess.run([args.onednn_bench, spec_path, "--weights", weights, "--input", input_path,
                                   "--output", out, "--warmup", "0", "--min-runs", "1", "--min-seconds", "0"],
                                  capture_output=True, text=True)
            if proc.returncode != 0:
                failures.append("onednn_bench %s failed: %s" % (algorithm, proc.stderr.strip()))
                continue
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            if "unsupported" in result:
                if algorithm == "direct":
                    failures.append("oneDNN cannot run it: " + result["unsupported"])
                continue
            tol = WINOGRAD_TOL if algorithm == "winograd" else REL_TOL
            failures.append(compare("oneDNN " + algorithm, np.load(out), want, tol))
            checked.append("oneDNN " + algorithm)
    return [f for f in failures if f], checked


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--atrousc", required=True)
    parser.add_argument("--work", required=True, help="scratch directory (emptied first)")
    parser.add_argument("--onednn-bench", help="also check the oneDNN peer")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else int(time.time()) % 100000
    print("seed %d" % seed)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    failures = []
    for i, case in enumerate(small_cases(random.Random(seed))):
        problems, checked = check_case(args, case, i, seed)
        print("%-4s %-20s %-52s %s" % ("FAIL" if problems else "ok", case.id, case.title, ", ".join(checked)))
        failures += ["%s: %s" % (case.id, p) for p in problems]
    for f in failures:
        print("FAIL " + f)
    if failures:
        print("replay with --seed %d" % seed)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
