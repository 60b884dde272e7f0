"""Building and running a compiled model as a stand-alone app (harness.c), and
comparing its outputs: what the GPU checks share.

GPU code is never run inside atrousc: a GPU runtime that brings its own LLVM
(PoCL) crashes beside the compiler's, so each model is AOT-compiled, linked
into the harness and run in a process of its own.
"""

import ctypes
import os
import re
import subprocess
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS = os.path.join(HERE, "harness.c")

_PORT_COMMENT = re.compile(r"/\* (input|output) (\d+) `[^`]*`: (f32|i32)\[")


def run(argv, what, env=None):
    """Runs argv; on failure raises with the command line and its output."""
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=env)
    if proc.returncode != 0:
        raise RuntimeError("%s failed (exit %d): %s\n%s" %
                           (what, proc.returncode, " ".join(argv), proc.stdout))
    return proc.stdout


def compile_model(atrousc, model, target, prefix, weights, input_shapes=()):
    """atrousc compile; returns the seconds it took."""
    argv = [atrousc, "compile", model, "--target", target, "--weights", weights, "-o", prefix]
    for spec in input_shapes:
        argv += ["--input-shape", spec]
    start = time.monotonic()
    run(argv, "compiling %s for %s" % (os.path.basename(model), target))
    return time.monotonic() - start


# The library each Halide GPU runtime loads by its unversioned name at the
# first call, its versioned name, and where it comes from. Halide looks for
# the API in the process first, so where only the versioned file is
# installed the app links it.
_GPU_LIBRARIES = {
    "cuda": ("libcuda.so", "libcuda.so.1", "the NVIDIA driver"),
    "opencl": ("libOpenCL.so", "libOpenCL.so.1",
               "ocl-icd-opencl-dev and an OpenCL ICD such as pocl-opencl-icd"),
}


def _loadable(library):
    try:
        ctypes.CDLL(library)
        return True
    except OSError:
        return False


def gpu_link_flags(target):
    """Linker flags an app of target needs for its GPU library; raises
    RuntimeError when that library is not installed."""
    flags = []
    for feature, (name, versioned, source) in _GPU_LIBRARIES.items():
        if feature not in target.split("-") or _loadable(name):
            continue
        if not _loadable(versioned):
            raise RuntimeError("target %s needs %s (from %s), which is not installed here" %
                               (target, name, source))
        flags += ["-Wl,--no-as-needed", "-l:" + versioned, "-Wl,--as-needed"]
    return flags


def compile_runtime(atrousc, target, path):
    run([atrousc, "runtime", "--target", target, "-o", path], "building the %s runtime" % target)


def output_dtypes(header):
    """The numpy dtype code (f4 or i4) of each output, from the comments the
    generated header documents (docs/generated-api.md)."""
    with open(header) as f:
        ports = _PORT_COMMENT.findall(f.read())
    outputs = sorted((int(i), t) for kind, i, t in ports if kind == "output")
    return ["f4" if t == "f32" else "i4" for _, t in outputs]


def model_identifier(prefix):
    """The C identifier atrousc makes of the last component of -o."""
    name = re.sub(r"[^A-Za-z0-9_]", "_", os.path.basename(prefix))
    return "m_" + name if not name or name[0].isdigit() else name


def build_harness(prefix, runtime, exe, target):
    """Links harness.c with PREFIX.a and the runtime archive of target into exe."""
    name = model_identifier(prefix)
    cc = os.environ.get("CC", "cc")
    argv = [cc, "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-include", prefix + ".h",
            "-DATROUS_MODEL=" + name, "-DATROUS_MODEL_UPPER=" + name.upper(), HARNESS,
            prefix + ".a", runtime]
    argv += gpu_link_flags(target) + ["-lpthread", "-ldl", "-lm", "-o", exe]
    run(argv, "building the harness of " + name)


def run_harness(exe, inputs, outputs, dtypes, repeats=0, env=None):
    """Runs the app on .npy inputs; returns its timings {"first_ms", "run_ms"}."""
    argv = [exe]
    if repeats:
        argv += ["-r", str(repeats)]
    argv += list(inputs) + ["--"] + ["%s:%s" % (d, o) for d, o in zip(dtypes, outputs)]
    out = run(argv, "running " + os.path.basename(exe), env=env)
    times = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        if key in ("first_ms", "run_ms"):
            times[key] = float(value)
    return times


def random_inputs(atrousc, model, input_shapes, seed, directory):
    """Writes one seeded random .npy per model input (shapes from atrousc
    print) and returns their paths."""
    argv = [atrousc, "print", model]
    for spec in input_shapes:
        argv += ["--input-shape", spec]
    text = run(argv, "printing " + model)
    rng = np.random.default_rng(seed)
    paths = []
    for name, dims in re.findall(r"^input\s+(\w+)\s*:\s*f32\[([\d, ]+)\]", text, re.M):
        shape = [int(d) for d in dims.split(",")]
        path = os.path.join(directory, "%s.npy" % name)
        np.save(path, rng.standard_normal(shape).astype(np.float32))
        paths.append(path)
    if not paths:
        raise RuntimeError("no f32 inputs found in `atrousc print %s`" % model)
    return paths


def compare(actual_path, expected_path, rel_tol):
    """(ok, max_abs_diff, rel_diff, detail): float outputs must agree within
    rel_tol of the expected output's largest magnitude, integer ones exactly."""
    actual, expected = np.load(actual_path), np.load(expected_path)
    if actual.shape != expected.shape:
        return False, float("inf"), float("inf"), "shape %s, expected %s" % (actual.shape,
                                                                              expected.shape)
    if expected.dtype.kind == "i" or actual.dtype.kind == "i":
        wrong = int(np.count_nonzero(actual != expected))
        diff = float(np.max(np.abs(actual.astype(np.int64) - expected.astype(np.int64)),
                            initial=0))
        return wrong == 0, diff, float(wrong) / max(1, expected.size), "%d of %d differ" % (
            wrong, expected.size)
    if not np.all(np.isfinite(actual)):
        return False, float("inf"), float("inf"), "non-finite values"
    diff = float(np.max(np.abs(actual.astype(np.float64) - expected), initial=0))
    scale = float(np.max(np.abs(expected), initial=0))
    rel = diff / scale if scale > 0 else diff
    worst = np.unravel_index(np.argmax(np.abs(actual - expected)), expected.shape)
    detail = "worst at %s: %r vs %r" % (tuple(int(i) for i in worst), float(actual[worst]),
                                        float(expected[worst]))
    return rel <= rel_tol, diff, rel, detail
