"""The benchmark driver (bench/run.sh builds what it needs and calls it):
runs every case of bench/cases.py with atrous and its peers in one go and
prints one table; --json writes every figure for tracking over time.

Per case: atrous (atrous_bench: the model compiled for this machine, -O2,
weights random:1, which it also saves) and the peers on the same weights and
the same input -- oneDNN through its C++ API (onednn_bench, format_tag::any,
and its explicit Winograd for dense 3x3 convs), PyTorch (in this process) and
ONNX Runtime (onnxruntime-node on the ONNX exported from the PyTorch module).
Every runner uses 2 threads and the same policy: warm-up runs, then timed
runs until a minimum count and a minimum time, in rounds: each round runs
atrous and then every peer, so that a slow spell of the machine falls on all
of them alike. A case whose first atrous median is under a millisecond
runs three times the rounds: its median moves by up to a half from one
process to the next (each gets other physical pages). The table shows the
median of all rounds' runs and, for atrous, min and max. "x" is the median
over the rounds of a peer's median over atrous' median in that round (above
1: atrous is faster). GFLOP/s counts real taps only (taps in padding
skipped; passes/FlopCount.h); "peak" is that over the FMA peak fma_peak
measures in the same run (the best of its trials before and after the
cases).
Each peer's output is checked against atrous' (max |peer - atrous| relative
to max |atrous|); a mismatch above CHECK_TOL is flagged with "!" and kept in
the JSON.
Layer cases run atrous a second time with --io-layout channels_last ("NHWC"
columns): the model takes and gives NHWC data, as an app holding such data
would pass it, so that it times what oneDNN's figure times, whose input is
reordered to its chosen format before its timed runs and whose output stays
in it. Its output is checked like a peer's.

Usage: bench.py --bin DIR --work DIR [--node-modules DIR] [--quick] [--json FILE] [--only REGEX]
                [--rounds N] [--isa avx2]
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

sys.dont_write_bytecode = True  # keep the source tree clean
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cases as bench_cases  # noqa: E402
import torch_models  # noqa: E402  (on the path through cases)

THREADS = 2
WEIGHTS = "random:1"
# Outputs may differ by summation order (and Winograd's transforms); a wrong
# computation differs by far more.
CHECK_TOL = 1e-3
POLICIES = {
    "full": {"warmup": 3, "min_runs": 8, "min_seconds": 0.25, "max_runs": 300, "rounds": 5,
             "short_ms": 1.0, "short_rounds_factor": 3},
    "quick": {"warmup": 1, "min_runs": 3, "min_seconds": 0.0, "max_runs": 3, "rounds": 1,
              "short_ms": 1.0, "short_rounds_factor": 1},
}
PEERS = ["onednn", "winograd", "torch", "ort"]
PEER_TITLES = {"onednn": "oneDNN", "winograd": "oneDNN wino", "torch": "PyTorch", "ort": "ORT"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_json(argv, env, what):
    """Runs a runner and returns the JSON object on its last output line."""
    proc = subprocess.run(argv, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise RuntimeError("%s failed (exit %d): %s" % (what, proc.returncode, " | ".join(tail)))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summary(rounds):
    """The figures of one runner from its rounds' times: the median, min and max of
    all runs, and each round's median."""
    times_ms = [t for r in rounds for t in r]
    return {"median_ms": statistics.median(times_ms), "min_ms": min(times_ms), "max_ms": max(times_ms),
            "runs": len(times_ms), "round_medians_ms": [statistics.median(r) for r in rounds]}


def ratio(peer, atrous):
    """The median over rounds of the peer's median over atrous' in the same round."""
    return statistics.median(p / a for p, a in zip(peer["round_medians_ms"], atrous["round_medians_ms"]))


def timing_args(policy):
    return ["--warmup", str(policy["warmup"]), "--min-runs", str(policy["min_runs"]),
            "--min-seconds", str(policy["min_seconds"]), "--max-runs", str(policy["max_runs"])]


def mismatch(got, want):
    if got.shape != want.shape:
        return float("inf")
    scale = float(np.abs(want).max()) or 1.0
    return float(np.abs(got.astype(np.float64) - want).max()) / scale


class Bench:
    def __init__(self, args):
        self.args = args
        self.policy = dict(POLICIES["quick" if args.quick else "full"])
        if args.rounds is not None:
            if args.rounds < 1:
                sys.exit("bench.py: --rounds must be at least 1")
            self.policy["rounds"] = args.rounds
        self.module_case = None
        self.env = dict(os.environ, HL_NUM_THREADS=str(THREADS), OMP_NUM_THREADS=str(THREADS),
                        ATROUS_CACHE_DIR=os.path.join(args.work, "atrous-cache"))
        # --isa avx2: atrous compiles for AVX2, oneDNN (also inside PyTorch)
        # dispatches no further than AVX2, PyTorch's own kernels likewise;
        # ONNX Runtime has no such switch and keeps its AVX-512 kernels.
        self.atrous_target = []
        if args.isa == "avx2":
            self.atrous_target = ["--target", "x86-64-linux-avx2-fma-f16c-sse41"]
            self.env.update(ONEDNN_MAX_CPU_ISA="AVX2", DNNL_MAX_CPU_ISA="AVX2", ATEN_CPU_CAPABILITY="avx2")
        if args.node_modules:
            self.env["NODE_PATH"] = args.node_modules
        self.onednn = os.path.join(args.bin, "onednn_bench")
        self.has_onednn = os.path.exists(self.onednn)
        self.has_ort = bool(args.node_modules) and os.path.isdir(os.path.join(args.node_modules, "onnxruntime-node"))
        torch.set_num_threads(THREADS)

    def fma_peak(self):
        return run_json([os.path.join(self.args.bin, "fma_peak"), "--threads", str(THREADS), "--isa", self.args.isa],
                        self.env, "fma_peak")

    def run_case(self, case):
        d = os.path.join(self.args.work, case.id)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        x = np.random.default_rng(0).uniform(-1, 1, case.input_shape()).astype(np.float32)
        input_path = os.path.join(d, "input.npy")
        np.save(input_path, x)
        weights = os.path.join(d, "weights.safetensors")
        atrous_out = os.path.join(d, "atrous.npy")
        runner = [os.path.join(self.args.bin, "atrous_bench"), case.atr_path(d), "--weights", WEIGHTS,
                  "--input", input_path] + self.atrous_target + timing_args(self.policy)
        argv = runner + ["--save-weights", weights, "--output", atrous_out]
        nhwc_out = os.path.join(d, "atrous_nhwc.npy")
        nhwc_argv = None
        if case.onednn_spec("direct") is not None:
            nhwc_argv = runner + ["--output", nhwc_out, "--io-layout", "channels_last"]
        atrous_rounds, nhwc_rounds, peer_rounds, peers = [], [], {p: [] for p in PEERS}, {}
        rounds = self.policy["rounds"]
        k = 0
        while k < rounds:
            a = run_json(argv, self.env, "atrous_bench")
            atrous_rounds.append(a["times_ms"])
            if k == 0:
                first = a
                want = np.load(atrous_out)
                if statistics.median(a["times_ms"]) < self.policy["short_ms"]:
                    rounds *= self.policy["short_rounds_factor"]
            if nhwc_argv:
                nhwc_rounds.append(run_json(nhwc_argv, self.env, "atrous_bench --io-layout")["times_ms"])
            for peer in PEERS:
                if k > 0 and not peer_rounds[peer]:
                    continue  # not applicable, or failed in the first round
                try:
                    r = getattr(self, "peer_" + peer)(case, d, input_path, weights)
                except Exception as e:  # a failing peer is reported, the run goes on
                    r = {"error": str(e)}
                if "times_ms" in r:
                    peer_rounds[peer].append(r.pop("times_ms"))
                if k == 0:
                    if "output" in r:
                        r["mismatch"] = mismatch(np.load(r.pop("output")), want)
                    peers[peer] = r
                elif "error" in r:
                    peers[peer] = r
                    peer_rounds[peer] = []
            k += 1
        atrous = dict(summary(atrous_rounds), compile_s=first["compile_s"])
        for peer, r in peers.items():
            if peer_rounds[peer]:
                r.update(summary(peer_rounds[peer]))
                r["x"] = ratio(r, atrous)
        result = {"id": case.id, "title": case.title, "flops": first["flops"], "rounds": rounds, "atrous": atrous,
                  "peers": peers}
        if nhwc_rounds:
            nhwc = dict(summary(nhwc_rounds), mismatch=mismatch(np.load(nhwc_out), want))
            if "median_ms" in peers.get("onednn", {}):
                nhwc["x_onednn"] = ratio(peers["onednn"], nhwc)
            result["atrous_nhwc"] = nhwc
        return result

    def peer_onednn(self, case, d, input_path, weights, algorithm="direct"):
        spec = case.onednn_spec(algorithm)
        if spec is None:
            return {"na": "whole models: ORT and PyTorch only"}
        if not self.has_onednn:
            return {"na": "onednn_bench not built (libdnnl-dev missing)"}
        spec_path = os.path.join(d, "onednn_%s.json" % algorithm)
        with open(spec_path, "w") as f:
            json.dump(spec, f, indent=1)
        out = os.path.join(d, "onednn_%s.npy" % algorithm)
        r = run_json([self.onednn, spec_path, "--weights", weights, "--input", input_path, "--output", out] +
                     timing_args(self.policy), self.env, "onednn_bench")
        if "unsupported" in r:
            return {"na": r["unsupported"]}
        self.onednn_version = r["version"]
        result = {"times_ms": r["times_ms"], "impl": r["impl"]}
        if spec["skipped"]:
            result["note"] = "leaves out " + ", ".join(spec["skipped"]) + " (not checked)"
        else:
            result["output"] = out
        return result

    def peer_winograd(self, case, d, input_path, weights):
        if not case.winograd_applies():
            return {"na": "not a dense 3x3 stride-1 conv"}
        return self.peer_onednn(case, d, input_path, weights, "winograd")

    def torch_module(self, case, weights):
        """The case's PyTorch module on the saved weights, built once per case."""
        if self.module_case != case.id:
            self.module = torch_models.load_safetensors(case.torch_module(), weights)
            self.module_case = case.id
        return self.module

    def peer_torch(self, case, d, input_path, weights):
        module = self.torch_module(case, weights)
        x = torch.from_numpy(np.load(input_path))
        p = self.policy
        with torch.no_grad():
            for _ in range(p["warmup"]):
                module(x)
            times, start = [], time.perf_counter()
            while len(times) < p["max_runs"] and (len(times) < p["min_runs"] or
                                                  time.perf_counter() - start < p["min_seconds"]):
                t0 = time.perf_counter()
                y = module(x)
                times.append((time.perf_counter() - t0) * 1e3)
        out = os.path.join(d, "torch.npy")
        np.save(out, y.numpy())
        return {"times_ms": times, "output": out}

    def peer_ort(self, case, d, input_path, weights):
        if not self.has_ort:
            return {"na": "onnxruntime-node not installed"}
        onnx_path = os.path.join(d, "model.onnx")
        if not os.path.exists(onnx_path):
            torch_models.export_onnx(self.torch_module(case, weights), case.input_shape(), onnx_path)
        out = os.path.join(d, "ort.npy")
        p = self.policy
        r = run_json(["node", os.path.join(HERE, "ort_bench.js"), onnx_path, input_path, out, str(THREADS),
                      str(p["warmup"]), str(p["min_runs"]), str(p["min_seconds"]), str(p["max_runs"])],
                     self.env, "ort_bench.js")
        self.ort_version = r.get("version")
        return {"times_ms": r["times_ms"], "output": out}


# ------------------------------------------------------------ the table ----

def fmt_ms(ms):
    return "%.3g" % ms if ms < 10 else "%.1f" % ms if ms < 1000 else "%.0f" % ms


def table(results, peak):
    head = ["case", "atrous ms [min-max]", "GFLOP/s", "peak"]
    for p in PEERS:
        head += [PEER_TITLES[p] + " ms", "x"]
    head += ["NHWC ms", "x oneDNN"]
    rows = []
    for r in results:
        a = r["atrous"]
        gflops = r["flops"] / (a["median_ms"] * 1e6)
        row = [r["title"], "%s [%s-%s]" % (fmt_ms(a["median_ms"]), fmt_ms(a["min_ms"]), fmt_ms(a["max_ms"])),
               "%.1f" % gflops, "%.0f%%" % (100 * gflops / peak)]
        for p in PEERS:
            q = r["peers"][p]
            if "median_ms" in q:
                flag = "!" if q.get("mismatch", 0) > CHECK_TOL else ""
                row += [fmt_ms(q["median_ms"]) + flag, "%.2fx" % q["x"]]
            else:
                row += ["err" if "error" in q else "n/a", ""]
        n = r.get("atrous_nhwc")
        if n:
            flag = "!" if n["mismatch"] > CHECK_TOL else ""
            row += [fmt_ms(n["median_ms"]) + flag, "%.2fx" % n["x_onednn"] if "x_onednn" in n else ""]
        else:
            row += ["", ""]
        rows.append(row)
    widths = [max(len(str(x[i])) for x in rows + [head]) for i in range(len(head))]
    lines = []
    for i, row in enumerate([head] + rows):
        cells = [str(c).ljust(widths[j]) if j == 0 else str(c).rjust(widths[j]) for j, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def notes(results):
    out = []
    for r in results:
        n = r.get("atrous_nhwc")
        if n and n["mismatch"] > CHECK_TOL:
            out.append("%s, atrous NHWC: output differs from atrous by %.3g of its magnitude" %
                       (r["id"], n["mismatch"]))
        for p in PEERS:
            q = r["peers"][p]
            if "error" in q:
                out.append("%s, %s: %s" % (r["id"], PEER_TITLES[p], q["error"]))
            elif q.get("mismatch", 0) > CHECK_TOL:
                out.append("%s, %s: output differs from atrous by %.3g of its magnitude" %
                           (r["id"], PEER_TITLES[p], q["mismatch"]))
            elif "note" in q:
                out.append("%s, %s: %s" % (r["id"], PEER_TITLES[p], q["note"]))
    return out


def versions(bench):
    return {"oneDNN": getattr(bench, "onednn_version", None), "PyTorch": torch.__version__,
            "onnxruntime-node": getattr(bench, "ort_version", None)}


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bin", required=True, help="where atrous_bench, fma_peak, onednn_bench are")
    parser.add_argument("--work", required=True, help="scratch directory (models, weights, outputs, cache)")
    parser.add_argument("--node-modules", help="node_modules holding onnxruntime-node")
    parser.add_argument("--quick", action="store_true", help="a smoke subset, few runs")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--only", help="run the cases whose id matches this regex (also with --quick)")
    parser.add_argument("--rounds", type=int, help="rounds of atrous and every peer per case "
                        "(default: 5 in full mode, 1 in quick mode)")
    parser.add_argument("--isa", choices=["auto", "avx2"], default="auto",
                        help="avx2: atrous, oneDNN and PyTorch limited to AVX2 (ORT is not), and the FMA peak of AVX2")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    bench = Bench(args)
    cases = bench_cases.all_cases()
    if args.only:
        cases = [c for c in cases if re.search(args.only, c.id)]
    elif args.quick:
        cases = [c for c in cases if c.id in bench_cases.QUICK]
    if not cases:
        sys.exit("bench.py: no case matches")

    started = time.time()
    load_before = os.getloadavg()[0]
    peaks = [bench.fma_peak()]
    log("FMA peak: %.1f GFLOP/s (%s, %d threads)" % (peaks[0]["gflops"], peaks[0]["isa"], THREADS))
    results = []
    for i, case in enumerate(cases):
        t0 = time.time()
        r = bench.run_case(case)
        results.append(r)
        peers = ", ".join("%s %s" % (PEER_TITLES[p], fmt_ms(q["median_ms"]) if "median_ms" in q else
                                     "err" if "error" in q else "n/a") for p, q in r["peers"].items())
        log("[%d/%d] %s: atrous %s ms; %s (%.0f s)" % (i + 1, len(cases), case.id, fmt_ms(r["atrous"]["median_ms"]),
                                                       peers, time.time() - t0))
    peaks.append(bench.fma_peak())
    peak = max(p["gflops"] for p in peaks)

    print("atrous benchmark (%s mode%s): %s, %d threads everywhere; FMA peak %.1f GFLOP/s (%s; %s)" %
          ("quick" if args.quick else "full", ", AVX2 only" if args.isa == "avx2" else "", cpu_name(), THREADS,
           peak, peaks[0]["isa"],
           ", ".join("%.1f" % p["gflops"] for p in peaks)))
    print("peers: " + ", ".join("%s %s" % (k, v) for k, v in versions(bench).items() if v))
    short = ""
    if bench.policy["short_rounds_factor"] > 1:
        short = " (%d for cases under %g ms)" % (bench.policy["rounds"] * bench.policy["short_rounds_factor"],
                                                 bench.policy["short_ms"])
    print("ms: median of %d round(s)%s of %s, atrous and its peers in turn; x = median over the rounds of "
          "peer median / atrous median (above 1: atrous faster)\n" %
          (bench.policy["rounds"], short,
           "%(min_runs)d+ runs and %(min_seconds)gs after %(warmup)d warm-up" % bench.policy))
    load = max(load_before, os.getloadavg()[0])
    if load > (os.cpu_count() or 1) / 2:
        print("warning: the machine was busy (load average up to %.1f on %d CPUs): the figures are noisy\n" %
              (load, os.cpu_count()))
    print(table(results, peak))
    for n in notes(results):
        print("note: " + n)
    print("(%.0f s)" % (time.time() - started))

    if args.json:
        report = {
            "date": datetime.datetime.now().isoformat(timespec="seconds"),
            "mode": "quick" if args.quick else "full",
            "isa": args.isa,
            "machine": {"cpu": cpu_name(), "cpus": os.cpu_count(), "load_avg_before": load_before,
                        "load_avg_after": os.getloadavg()[0]},
            "threads": THREADS,
            "policy": bench.policy,
            "fma_peak": {"gflops": peak, "isa": peaks[0]["isa"], "trials": [p["gflops"] for p in peaks]},
            "versions": versions(bench),
            "check_tol": CHECK_TOL,
            "cases": results,
        }
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
        log("results written to " + args.json)


if __name__ == "__main__":
    main()
