"""Checks the numbers of atrous' GPU code path without a GPU: models are
AOT-compiled for host-opencl, linked into harness.c with the OpenCL Halide
runtime and run through PoCL (which executes OpenCL kernels on the CPU), and
their outputs are compared with the reference interpreter's on the same
seeded inputs and weights.

The GPU schedules, the driver's host/device copies and the device frees are
the same as for CUDA; only the kernel language differs. Each app calls the
model three times (the first call sets the device up), and the outputs of
the last call are checked.

Usage: check_opencl.py --atrousc BIN --work DIR [--seed N] [--only NAME]
"""

import argparse
import os
import shutil
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
import gpu_app  # noqa: E402

SOURCE_DIR = os.path.dirname(os.path.dirname(gpu_app.HERE))
OP_MODELS = os.path.join(gpu_app.HERE, "models")
TARGET = "host-opencl"
REL_TOL = 1e-4

CASES = [(os.path.join(OP_MODELS, f), []) for f in sorted(os.listdir(OP_MODELS))
         if f.endswith(".atr")] + [
    (os.path.join(SOURCE_DIR, "models", "fcn_atrous.atr"), ["image=1x3x32x32"]),
    (os.path.join(SOURCE_DIR, "models", "wavenet.atr"), ["audio=1x256x600"]),
]


def check_model(args, model, shapes, seed, runtime):
    """Returns a list of failure messages (empty when the model passes)."""
    name = os.path.splitext(os.path.basename(model))[0]
    directory = os.path.join(args.work, name)
    os.makedirs(directory)
    weights = "random:%d" % seed
    inputs = gpu_app.random_inputs(args.atrousc, model, shapes, seed, directory)
    prefix = os.path.join(directory, name)
    gpu_app.compile_model(args.atrousc, model, TARGET, prefix, weights, shapes)
    dtypes = gpu_app.output_dtypes(prefix + ".h")
    exe = os.path.join(directory, name + "_app")
    gpu_app.build_harness(prefix, runtime, exe, TARGET)
    outputs = [os.path.join(directory, "opencl%d.npy" % j) for j in range(len(dtypes))]
    times = gpu_app.run_harness(exe, inputs, outputs, dtypes, repeats=2)
    expected = [os.path.join(directory, "reference%d.npy" % j) for j in range(len(dtypes))]
    argv = [args.atrousc, "run", model, "--backend", "reference", "--weights", weights]
    for spec in shapes:
        argv += ["--input-shape", spec]
    for path in inputs:
        argv += ["--input", path]
    for path in expected:
        argv += ["--output", path]
    gpu_app.run(argv, "the reference run of " + name)
    failures = []
    for j, (got, want) in enumerate(zip(outputs, expected)):
        ok, diff, rel, detail = gpu_app.compare(got, want, REL_TOL)
        print("%-16s output %d  max abs diff %.3g  rel %.3g  first call %.0f ms  %s" %
              (name, j, diff, rel, times.get("first_ms", 0), "ok" if ok else "MISMATCH"))
        if not ok:
            failures.append("%s (seed %d) output %d differs from the reference: max abs diff "
                            "%.3g, rel %.3g (tolerance %g); %s" % (name, seed, j, diff, rel,
                                                                  REL_TOL, detail))
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--atrousc", required=True)
    parser.add_argument("--work", required=True, help="scratch directory (emptied first)")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 10000,
                        help="seed of the inputs and weights (default: from the clock)")
    parser.add_argument("--only", help="check only the model of this name")
    args = parser.parse_args()
    try:
        gpu_app.gpu_link_flags(TARGET)
    except RuntimeError as e:
        print("FAIL: %s; see scripts/setup.sh" % e)
        return 1
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    # PoCL's kernel cache goes beside atrous' own, so reruns skip its compiles.
    cache = os.environ.get("ATROUS_CACHE_DIR")
    if cache and "POCL_CACHE_DIR" not in os.environ:
        os.environ["POCL_CACHE_DIR"] = os.path.join(cache, "pocl")
        os.makedirs(os.environ["POCL_CACHE_DIR"], exist_ok=True)
    print("seed %d (rerun with --seed %d)" % (args.seed, args.seed))

    start = time.monotonic()
    runtime = os.path.join(args.work, "atrous_runtime.a")
    gpu_app.compile_runtime(args.atrousc, TARGET, runtime)
    failures = []
    for k, (model, shapes) in enumerate(CASES):
        if args.only and os.path.splitext(os.path.basename(model))[0] != args.only:
            continue
        try:
            failures += check_model(args, model, shapes, args.seed + k, runtime)
        except RuntimeError as e:
            failures.append("%s (seed %d): %s" % (os.path.basename(model), args.seed + k, e))
    print("checked in %.1f s" % (time.monotonic() - start))
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
