"""Runs every model of models/ compiled for a GPU target and for the host CPU,
each as a stand-alone app (harness.c), on the same seeded inputs and weights,
and prints a table of the differences and the timings. Exits non-zero when
an output differs by more than the tolerance. scripts/gpu-check.sh is the
way to run it on a machine with an NVIDIA GPU.

Usage: compare_targets.py --atrousc BIN --work DIR [--target host-cuda]
                          [--repeats N] [--seed N] [--rel-tol T] [--only NAME]
                          [--small]
"""

import argparse
import os
import shutil
import sys
import time

sys.dont_write_bytecode = True  # keep the source tree clean
import gpu_app  # noqa: E402

SOURCE_DIR = os.path.dirname(os.path.dirname(gpu_app.HERE))
MODELS = os.path.join(SOURCE_DIR, "models")

# Moderate sizes: large enough to occupy a GPU, small enough to compile and
# run in a minute or two. Models not named here run at their declared size.
SIZES = {
    "deeplabv3plus": ["image=1x3x257x257"],
    "fcn_atrous": ["image=1x3x256x256"],
    "linknet": ["image=1x3x256x256"],
    "wavenet": ["audio=1x256x4000"],
}
# Small sizes (--small), for checking this script itself without a GPU.
SMALL_SIZES = {
    "deeplabv3plus": ["image=1x3x65x65"],
    "fcn_atrous": ["image=1x3x32x32"],
    "linknet": ["image=1x3x64x64"],
    "wavenet": ["audio=1x256x100"],
}


def build_app(args, model, shapes, target, runtime, directory):
    """Compiles the model for target and links its app; returns (exe, dtypes, seconds)."""
    os.makedirs(directory)
    name = os.path.splitext(os.path.basename(model))[0]
    prefix = os.path.join(directory, name)
    seconds = gpu_app.compile_model(args.atrousc, model, target, prefix, "random:%d" % args.seed,
                                    shapes)
    exe = os.path.join(directory, name + "_app")
    gpu_app.build_harness(prefix, runtime, exe, target)
    return exe, gpu_app.output_dtypes(prefix + ".h"), seconds


def check_model(args, model, runtimes):
    """Returns (table rows, failure messages) of one model."""
    name = os.path.splitext(os.path.basename(model))[0]
    shapes = (SMALL_SIZES if args.small else SIZES).get(name, [])
    directory = os.path.join(args.work, name)
    os.makedirs(directory)
    inputs = gpu_app.random_inputs(args.atrousc, model, shapes, args.seed, directory)
    results = {}
    for label, target in (("gpu", args.target), ("cpu", "host")):
        exe, dtypes, seconds = build_app(args, model, shapes, target, runtimes[target],
                                         os.path.join(directory, label))
        outputs = [os.path.join(directory, "%s%d.npy" % (label, j)) for j in range(len(dtypes))]
        times = gpu_app.run_harness(exe, inputs, outputs, dtypes, repeats=args.repeats)
        print("  %-14s %-10s compiled in %5.1f s, first call %8.1f ms, median %8.2f ms" %
              (name, target, seconds, times["first_ms"], times["run_ms"]), flush=True)
        results[label] = (outputs, times)
    rows, failures = [], []
    gpu_outputs, gpu_times = results["gpu"]
    cpu_outputs, cpu_times = results["cpu"]
    for j, (got, want) in enumerate(zip(gpu_outputs, cpu_outputs)):
        ok, diff, rel, detail = gpu_app.compare(got, want, args.rel_tol)
        rows.append((name, j, diff, rel, gpu_times["run_ms"], cpu_times["run_ms"], ok))
        if not ok:
            failures.append("%s output %d: %s differs from host: max abs diff %.3g, rel %.3g "
                            "(tolerance %g); %s" % (name, j, args.target, diff, rel,
                                                    args.rel_tol, detail))
    return rows, failures


def print_table(target, rows):
    print("\n%-14s %3s %13s %11s %12s %12s %8s  %s" %
          ("model", "out", "max abs diff", "rel diff", target + " ms", "host ms", "speedup",
           "result"))
    for name, j, diff, rel, gpu_ms, cpu_ms, ok in rows:
        print("%-14s %3d %13.3g %11.3g %12.2f %12.2f %7.2fx  %s" %
              (name, j, diff, rel, gpu_ms, cpu_ms, cpu_ms / gpu_ms if gpu_ms > 0 else 0,
               "ok" if ok else "MISMATCH"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--atrousc", required=True)
    parser.add_argument("--work", required=True, help="scratch directory (emptied first)")
    parser.add_argument("--target", default="host-cuda")
    parser.add_argument("--repeats", type=int, default=10, help="timed calls after the first")
    parser.add_argument("--seed", type=int, default=int(time.time()) % 10000)
    parser.add_argument("--rel-tol", type=float, default=1e-4,
                        help="allowed max abs diff relative to the host output's largest value")
    parser.add_argument("--only", action="append", help="check only these models")
    parser.add_argument("--small", action="store_true",
                        help="run the models at small sizes (to check this script)")
    args = parser.parse_args()
    args.repeats = max(1, args.repeats)
    try:
        gpu_app.gpu_link_flags(args.target)
    except RuntimeError as e:
        print("FAIL: %s" % e)
        return 1
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    print("comparing %s with host, seed %d (rerun with --seed %d)" % (args.target, args.seed,
                                                                     args.seed), flush=True)
    runtimes = {}
    for target in (args.target, "host"):
        runtimes[target] = os.path.join(args.work, "runtime-%s.a" % target)
        gpu_app.compile_runtime(args.atrousc, target, runtimes[target])
    models = sorted(os.path.join(MODELS, f) for f in os.listdir(MODELS) if f.endswith(".atr"))
    if args.only:
        models = [m for m in models if os.path.splitext(os.path.basename(m))[0] in args.only]
        if not models:
            print("FAIL: no model named %s in %s" % (", ".join(args.only), MODELS))
            return 1
    rows, failures = [], []
    for model in models:
        try:
            r, f = check_model(args, model, runtimes)
            rows += r
            failures += f
        except RuntimeError as e:
            failures.append("%s: %s" % (os.path.basename(model), e))
    print_table(args.target, rows)
    for f in failures:
        print("FAIL: " + f)
    print("%s: %d outputs compared, %d failures" % ("FAILED" if failures else "PASSED",
                                                      len(rows), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
