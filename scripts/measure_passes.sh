#!/usr/bin/env bash
# What the graph passes save, per model and for the ASPP block and the
# transposed-conv layers on their own: nodes, groups (one Halide pipeline
# each), bytes of intermediates written per inference, peak arena bytes and
# latency (median of --repeat runs), at -O0, at -O2 without assign-layouts and
# at -O2. Prints a Markdown table. Usage: scripts/measure_passes.sh [REPEAT]
# (after a build in build/); `scripts/measure_passes.sh REPEAT MODEL` instead
# measures MODEL after each prefix of the -O2 pipeline, one row per pass. Latency on a shared machine is noisy: compare
# rows of one run, not runs of different days.
set -euo pipefail
cd "$(dirname "$0")/.."
repeat=${1:-10}
atrousc=build/bin/atrousc
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The ASPP head of DeepLab v3+ at 513x513 (output stride 16: 33x33x512 in).
cat > "$work/aspp.atr" <<'ATR'
model aspp
input x : f32[1, 512, 33, 33]
block branch(x, rate) {
  return relu(batchnorm(conv2d(x, out=128, kernel=3, dilation=rate, pad=rate, bias=false)))
}
a0 = relu(batchnorm(conv2d(x, out=128, kernel=1, bias=false)))
a1 = branch(x, rate=6)
a2 = branch(x, rate=12)
a3 = branch(x, rate=18)
a4 = resize(relu(conv2d(global_avg_pool(x), out=128, kernel=1)), like=x, mode=bilinear)
output proj = relu(batchnorm(conv2d(concat(a0, a1, a2, a3, a4, axis=1), out=128, kernel=1, bias=false)))
ATR
# FCN's upsampling and LinkNet's decoder transposed convs.
cat > "$work/convt_fcn.atr" <<'ATR'
model convt_fcn
input x : f32[1, 128, 128, 128]
output y = relu(conv_transpose2d(x, out=64, kernel=4, stride=2, pad=1))
ATR
cat > "$work/convt_linknet.atr" <<'ATR'
model convt_linknet
input x : f32[1, 128, 32, 32]
output y = relu(batchnorm(conv_transpose2d(x, out=128, kernel=3, stride=2, pad=1, output_padding=1, bias=false)))
ATR

o2=$($atrousc opt --list-passes | sed -n 's/^-O2: //p')
o2_no_layouts=${o2/assign-layouts,/}

# One row: MODEL NAME LABEL FLAGS...
measure() {
  local model=$1 name=$2 label=$3
  shift 3
  local nodes compiled groups peak total latency
  nodes=$($atrousc opt "$model" "$@" | grep -c ' = ')
  compiled=$($atrousc compile "$model" --weights random:1 "$@" -o "$work/$name")
  groups=$(sed -n 's/.*(\([0-9]*\) groups).*/\1/p' <<<"$compiled")
  peak=$(sed -n 's/.*peak intermediate bytes: \([0-9]*\) (\([0-9]*\) without reuse).*/\1/p' <<<"$compiled")
  total=$(sed -n 's/.*peak intermediate bytes: \([0-9]*\) (\([0-9]*\) without reuse).*/\2/p' <<<"$compiled")
  latency=$($atrousc run "$model" --weights random:1 "$@" --repeat "$repeat" |
            sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
  printf "| %s | %s | %s | %s | %.1f | %.1f | %s |\n" "$name" "$label" "$nodes" "$groups" \
    "$(echo "$total / 1000000" | bc -l)" "$(echo "$peak / 1000000" | bc -l)" "$latency"
}

echo "| model | pipeline | nodes | groups | intermediates written (MB) | peak arena (MB) | latency median (ms) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
if [ $# -ge 2 ]; then
  model=$2
  measure "$model" "$(basename "$model" .atr)" O0 -O0
  prefix=""
  for pass in ${o2//,/ }; do
    prefix=${prefix:+$prefix,}$pass
    measure "$model" "$(basename "$model" .atr)" "+$pass" --passes "$prefix"
  done
  exit 0
fi
for model in models/deeplabv3plus.atr models/fcn_atrous.atr models/linknet.atr models/wavenet.atr \
             "$work/aspp.atr" "$work/convt_fcn.atr" "$work/convt_linknet.atr"; do
  name=$(basename "$model" .atr)
  measure "$model" "$name" O0 -O0
  measure "$model" "$name" O2-no-layouts --passes "$o2_no_layouts"
  measure "$model" "$name" O2 -O2
done
