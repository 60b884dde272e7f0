#!/usr/bin/python3
"""Writes the ONNX import cases under tests/onnx/: one small ONNX model per
operator and attribute combination, its inputs and the outputs it must give,
plus broken models and the error each must produce. tests/unit/OnnxImportTest.cpp
imports every case and runs it through the reference interpreter and through
generated code.

Two export paths, so that the importer is not fitted to one exporter:
- torch.onnx.export of small nn.Modules at opsets 11, 13 and 17 (torch 1.13,
  Debian's python3-torch); the golden is the module itself, evaluated in
  float64 on the same float32 weights and inputs;
- graphs built by hand with onnx.helper for what torch does not emit
  (Upsample, auto_pad, Clip with attributes, Gemm without transB, every Resize
  coordinate and nearest mode, TensorFlow's space_to_batch -> Conv ->
  batch_to_space, transposes that cancel, external data, ...); the golden is
  a plain numpy evaluation of the graph written from the ONNX operator
  specification (run_graph below), independent of the C++ importer.

Each case folder holds model.onnx, input0.npy ..., output0.npy ... and
meta.json (where it came from, --input-shape values for dynamic inputs,
whether outputs must match exactly). Error cases hold model.onnx (or a
damaged file) and meta.json with the message fragments the error must
contain.

Run with /usr/bin/python3: `scripts/make_onnx_tests.py [outdir]`. It is
deterministic (each case seeds from a hash of its name) and prints the case
count and total size.
"""

import copy
import io
import json
import os
import shutil
import sys
import warnings
import zlib

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CASES = []  # (name, writer)
TORCH_OPSETS = (11, 13, 17)


def seed(name):
    torch.manual_seed(zlib.crc32(name.encode()))
    return np.random.RandomState(zlib.crc32(name.encode()) & 0x7FFFFFFF)


def rand(rng, shape, lo=-1.0, hi=1.0):
    return rng.uniform(lo, hi, size=shape).astype(np.float32)


def write_case(outdir, name, model_bytes, inputs, outputs, meta, extra_files=None):
    d = os.path.join(outdir, name)
    os.makedirs(d)
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model_bytes)
    for k, x in enumerate(inputs):
        np.save(os.path.join(d, "input%d.npy" % k), x)
    for k, y in enumerate(outputs):
        np.save(os.path.join(d, "output%d.npy" % k), y)
    for fname, data in (extra_files or {}).items():
        with open(os.path.join(d, fname), "wb") as f:
            f.write(data)
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")


# ------------------------------------------------------------ torch cases ----


def randomize_bn(module, rng):
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            c = m.num_features
            m.running_mean.copy_(torch.from_numpy(rand(rng, [c], -0.5, 0.5)))
            m.running_var.copy_(torch.from_numpy(rand(rng, [c], 0.5, 2.0)))
            m.weight.data.copy_(torch.from_numpy(rand(rng, [c], 0.5, 1.5)))
            m.bias.data.copy_(torch.from_numpy(rand(rng, [c], -0.5, 0.5)))


def export(module, inputs, opset, dynamic=None):
    f = io.BytesIO()
    names = ["x%d" % k for k in range(len(inputs))]
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, tuple(torch.from_numpy(x) for x in inputs), f,
                          opset_version=opset, input_names=names, dynamic_axes=dynamic)
    return f.getvalue()


def torch_case(name, make, shapes, opsets=TORCH_OPSETS, dynamic=None, exact=False, ranges=None):
    """A module exported at each opset; the golden is the module in float64.
    `dynamic` marks input dims dynamic (the test then fixes them with
    --input-shape); `exact` asks for bit-exact outputs (index selections)."""

    def writer(outdir):
        rng = seed(name)
        module = make().eval()
        # Layers may have been built before the seed (seq below): draw their
        # parameters again from this case's seed.
        for m in module.modules():
            if hasattr(m, "reset_parameters"):
                m.reset_parameters()
        randomize_bn(module, rng)
        inputs = [rand(rng, s, *(ranges or (-1.0, 1.0))) for s in shapes]
        with torch.no_grad():
            wide = copy.deepcopy(module).double()
            outs = wide(*[torch.from_numpy(x).double() for x in inputs])
        outs = outs if isinstance(outs, tuple) else (outs,)
        outs = [o.numpy().astype(np.float32 if o.is_floating_point() else np.int64) for o in outs]
        for opset in opsets:
            meta = {"source": "torch.onnx.export opset %d" % opset, "exact": exact}
            if dynamic:
                meta["input_shapes"] = {"x%d" % k: list(s) for k, s in enumerate(shapes)}
            write_case(outdir, "%s_op%d" % (name, opset), export(module, inputs, opset, dynamic),
                       inputs, outs, meta)

    CASES.append((name, writer))


class Fn(nn.Module):
    """A module from a function (and optional submodules)."""

    def __init__(self, fn, **children):
        super().__init__()
        self.fn = fn
        for k, v in children.items():
            setattr(self, k, v)

    def forward(self, *xs):
        return self.fn(self, *xs)


def seq(*layers):
    return lambda: nn.Sequential(*layers)


# Convolutions.
torch_case("conv2d_k3", seq(nn.Conv2d(4, 8, 3, padding=1)), [[1, 4, 9, 9]])
torch_case("conv2d_stride_dilation", seq(nn.Conv2d(4, 6, 3, stride=2, dilation=2, padding=2, bias=False)),
           [[1, 4, 13, 11]])
torch_case("conv2d_depthwise", seq(nn.Conv2d(8, 8, 3, padding=1, groups=8)), [[1, 8, 9, 9]])
torch_case("conv2d_groups_rect", seq(nn.Conv2d(4, 6, (3, 5), padding=(1, 2), groups=2)), [[2, 4, 7, 9]])
torch_case("conv2d_dilation4_no_pad", seq(nn.Conv2d(4, 4, 3, dilation=4)), [[1, 4, 13, 13]])
torch_case("conv1d_k3", seq(nn.Conv1d(4, 6, 3, padding=2, dilation=2)), [[1, 4, 17]])
torch_case("conv1d_causal_pad",
           lambda: Fn(lambda s, x: s.c(F.pad(x, (4, 0))), c=nn.Conv1d(4, 4, 3, dilation=2)), [[1, 4, 16]])
torch_case("conv_transpose2d_s2", seq(nn.ConvTranspose2d(4, 3, 4, stride=2, padding=1)), [[1, 4, 5, 5]])
torch_case("conv_transpose2d_output_padding",
           seq(nn.ConvTranspose2d(4, 4, 3, stride=2, padding=1, output_padding=1, groups=2)), [[1, 4, 5, 6]])
torch_case("conv_transpose2d_dilation", seq(nn.ConvTranspose2d(4, 2, 3, stride=1, dilation=2, bias=False)),
           [[1, 4, 5, 5]])
torch_case("conv_transpose1d", seq(nn.ConvTranspose1d(4, 4, 3, stride=2, padding=1, output_padding=1)),
           [[1, 4, 8]])
# Batchnorm (a conv followed by batchnorm is fused by the exporter).
torch_case("batchnorm2d", lambda: Fn(lambda s, x: s.bn(F.relu(x)), bn=nn.BatchNorm2d(4)), [[1, 4, 5, 5]])
torch_case("batchnorm1d", lambda: Fn(lambda s, x: s.bn(torch.tanh(x)), bn=nn.BatchNorm1d(4)), [[2, 4, 7]])
torch_case("conv_bn_relu", seq(nn.Conv2d(4, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), nn.ReLU()),
           [[1, 4, 7, 7]])
# Activations.
torch_case("activations",
           lambda: Fn(lambda s, x: (F.relu(x), F.leaky_relu(x, 0.2), torch.sigmoid(x), torch.tanh(x),
                                    F.relu6(x * 4), F.hardtanh(x * 2, -1.0, 1.0))),
           [[1, 4, 5, 5]])
torch_case("hard_sigmoid_swish", lambda: Fn(lambda s, x: (F.hardsigmoid(x * 4), F.hardswish(x * 4))),
           [[1, 4, 5, 5]])
torch_case("clip_bounds", lambda: Fn(lambda s, x: (torch.clamp(x, min=-0.25), torch.clamp(x, max=0.5),
                                                   torch.clamp(x, -0.5, 0.75))), [[1, 4, 5, 5]])
# Arithmetic with broadcasting and constants.
torch_case("arith_runtime", lambda: Fn(lambda s, a, b: (a + b, a - b, a * b, a * b[:, :, :1, :1])),
           [[1, 4, 5, 5], [1, 4, 5, 5]])
torch_case("arith_constants",
           lambda: Fn(lambda s, x: (x * 0.5 + 1.0, x / 3.0, 2.0 - x, x - s.p, x * s.q),
                      p=nn.Parameter(torch.randn(1, 4, 1, 1)), q=nn.Parameter(torch.randn(5))),
           [[1, 4, 5, 5]])
torch_case("arith_broadcast_runtime", lambda: Fn(lambda s, a, b: a * torch.sigmoid(b) + b),
           [[1, 6, 5, 5], [1, 6, 1, 1]])
torch_case("concat", lambda: Fn(lambda s, a, b: (torch.cat([a, b], 1), torch.cat([a, a], 2))),
           [[1, 4, 5, 5], [1, 2, 5, 5]])
# Pools.
torch_case("max_pool", seq(nn.MaxPool2d(3, 2, 1)), [[1, 4, 9, 9]])
torch_case("max_pool_ceil", seq(nn.MaxPool2d(2, 2, ceil_mode=True)), [[1, 4, 7, 9]])
torch_case("max_pool_ceil_padding", seq(nn.MaxPool2d(2, 2, 1, ceil_mode=True)), [[1, 4, 5, 6]])
torch_case("max_pool_dilation", seq(nn.MaxPool2d(3, 1, 1, dilation=2)), [[1, 4, 8, 8]])
torch_case("avg_pool_exclude_pad", seq(nn.AvgPool2d(3, 2, 1, count_include_pad=False)), [[1, 4, 9, 8]])
torch_case("avg_pool_ceil_include_pad", seq(nn.AvgPool2d(3, 2, 1, ceil_mode=True)), [[1, 4, 8, 8]])
torch_case("pool1d", lambda: Fn(lambda s, x: (F.max_pool1d(x, 3, 2, 1), F.avg_pool1d(x, 2))), [[1, 4, 11]])
torch_case("global_pools",
           lambda: Fn(lambda s, x: (F.adaptive_avg_pool2d(x, 1), x.mean((2, 3), keepdim=True),
                                    F.adaptive_max_pool2d(x, 1), x.mean((2, 3)))), [[1, 4, 5, 7]])
# Resizes as torch writes them.
torch_case("upsample_nearest_scale2", seq(nn.Upsample(scale_factor=2, mode="nearest")), [[1, 4, 5, 6]],
           exact=True)
torch_case("upsample_nearest_size", lambda: Fn(lambda s, x: F.interpolate(x, size=(10, 18), mode="nearest")),
           [[1, 4, 5, 6]], exact=True)
torch_case("upsample_bilinear_scale2", seq(nn.Upsample(scale_factor=2, mode="bilinear")), [[1, 4, 5, 6]])
torch_case("upsample_bilinear_size",
           lambda: Fn(lambda s, x: F.interpolate(x, size=(7, 11), mode="bilinear", align_corners=False)),
           [[1, 4, 5, 6]])
torch_case("upsample_bilinear_align_corners",
           lambda: Fn(lambda s, x: F.interpolate(x, size=(9, 4), mode="bilinear", align_corners=True)),
           [[1, 4, 5, 6]])
torch_case("downsample_bilinear",
           lambda: Fn(lambda s, x: F.interpolate(x, size=(4, 3), mode="bilinear", align_corners=False)),
           [[1, 4, 9, 7]])
torch_case("upsample_linear_1d", lambda: Fn(lambda s, x: F.interpolate(x, scale_factor=3, mode="linear")),
           [[1, 4, 6]])
torch_case("resize_like_dynamic",
           lambda: Fn(lambda s, x: F.interpolate(s.c(x), size=x.shape[2:], mode="bilinear", align_corners=False),
                      c=nn.Conv2d(4, 4, 3, stride=2, padding=1)), [[1, 4, 9, 10]],
           dynamic={"x0": {0: "batch", 2: "height", 3: "width"}})
torch_case("upsample_scale_dynamic", seq(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)),
           [[1, 4, 5, 6]], dynamic={"x0": {2: "height", 3: "width"}})
# Data movement.
torch_case("pad_modes",
           lambda: Fn(lambda s, x: (F.pad(x, (1, 2, 0, 1), value=0.5), F.pad(x, (2, 1, 1, 2), mode="reflect"),
                                    F.pad(x, (1, 1, 2, 0), mode="replicate"))), [[1, 4, 5, 6]])
torch_case("slices", lambda: Fn(lambda s, x: (x[:, 1:3, ::2, 1:-1], x[..., 2:], x[:, :, 1:7:3])),
           [[1, 4, 8, 9]])
torch_case("reshape_flatten",
           lambda: Fn(lambda s, x: (x.flatten(1), x.view(x.shape[0], -1), x.reshape(1, 4, -1),
                                    x.unsqueeze(1).squeeze(1))), [[1, 4, 3, 5]])
torch_case("chunk_gate", lambda: Fn(lambda s, x: torch.tanh(x.chunk(2, 1)[0]) * torch.sigmoid(x.chunk(2, 1)[1])),
           [[1, 8, 16]])
torch_case("gather_index", lambda: Fn(lambda s, x: (x[:, 0], x[:, :, 1])), [[1, 4, 5, 6]])
# Linear algebra, softmax, argmax.
torch_case("linear_head", lambda: Fn(lambda s, x: s.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)),
                                     fc=nn.Linear(8, 5)), [[2, 8, 5, 5]])
torch_case("linear_3d", seq(nn.Linear(6, 3)), [[2, 4, 6]])
torch_case("matmul_param", lambda: Fn(lambda s, x: torch.matmul(x, s.w), w=nn.Parameter(torch.randn(6, 5))),
           [[3, 6]])
torch_case("softmax_axes", lambda: Fn(lambda s, x: (F.softmax(x, 1), F.softmax(x, -1))), [[1, 5, 4, 6]])
torch_case("argmax", lambda: Fn(lambda s, x: (torch.argmax(x, 1, keepdim=True), torch.argmax(x, 1))),
           [[1, 6, 5, 5]], exact=True)
# Small networks.
torch_case("aspp_head",
           lambda: Fn(lambda s, x: s.proj(torch.cat([F.relu(s.b1(x)), F.relu(s.b2(x)),
                                                     F.interpolate(F.relu(s.pool(F.adaptive_avg_pool2d(x, 1))),
                                                                   size=x.shape[2:], mode="bilinear",
                                                                   align_corners=False)], 1)),
                      b1=nn.Conv2d(8, 4, 1), b2=nn.Conv2d(8, 4, 3, padding=3, dilation=3),
                      pool=nn.Conv2d(8, 4, 1), proj=nn.Conv2d(12, 6, 1)), [[1, 8, 9, 9]])
torch_case("decoder_skip",
           lambda: Fn(lambda s, x: s.c(torch.cat([F.relu(s.up(s.down(x))), x], 1)),
                      down=nn.Conv2d(4, 8, 3, stride=2, padding=1), up=nn.ConvTranspose2d(8, 4, 2, stride=2),
                      c=nn.Conv2d(8, 3, 1)), [[1, 4, 8, 10]])
torch_case("wavenet_layer",
           lambda: Fn(lambda s, x: x + s.res(torch.tanh(s.f(F.pad(x, (2, 0)))) * torch.sigmoid(s.g(F.pad(x, (2, 0))))),
                      f=nn.Conv1d(4, 4, 2, dilation=2), g=nn.Conv1d(4, 4, 2, dilation=2), res=nn.Conv1d(4, 4, 1)),
           [[1, 4, 20]])


# ------------------------------------------------- graphs built by hand ----
#
# run_graph evaluates a graph with numpy (and torch's float64 convolutions),
# following the ONNX operator specification; it covers the operators these
# cases use.


def conv_nd(x, w, b, strides, dilations, pads, group):
    r = x.ndim - 2
    xt = torch.from_numpy(x.astype(np.float64))
    pad_pairs = []
    for d in reversed(range(r)):
        pad_pairs += [pads[d], pads[d + r]]
    xt = F.pad(xt, pad_pairs)
    wt = torch.from_numpy(w.astype(np.float64))
    bt = None if b is None else torch.from_numpy(b.astype(np.float64))
    f = F.conv1d if r == 1 else F.conv2d
    return f(xt, wt, bt, stride=strides, dilation=dilations, groups=group).numpy()


def auto_pads(mode, ins, kernel, strides, dilations):
    begin, end = [], []
    for i, k, s, d in zip(ins, kernel, strides, dilations):
        out = -(-i // s)
        total = max(0, (out - 1) * s + d * (k - 1) + 1 - i)
        b = total // 2 if mode == "SAME_UPPER" else total - total // 2
        begin.append(b)
        end.append(total - b)
    return begin + end


def window_attrs(node, x, kernel):
    r = x.ndim - 2
    a = {at.name: helper.get_attribute_value(at) for at in node.attribute}
    strides = list(a.get("strides", [1] * r))
    dil = list(a.get("dilations", [1] * r))
    mode = a.get("auto_pad", b"NOTSET").decode()
    if mode in ("SAME_UPPER", "SAME_LOWER"):
        pads = auto_pads(mode, x.shape[2:], kernel, strides, dil)
    elif mode == "VALID":
        pads = [0] * (2 * r)
    else:
        pads = list(a.get("pads", [0] * (2 * r)))
    return a, strides, dil, pads


def pool(x, kernel, strides, dil, pads, ceil, is_max, include_pad):
    r = x.ndim - 2
    outs = []
    for d in range(r):
        room = x.shape[2 + d] + pads[d] + pads[d + r] - dil[d] * (kernel[d] - 1) - 1
        out = (-(-room // strides[d]) if ceil else room // strides[d]) + 1
        # ceil_mode: a last window starting in the end padding is dropped
        # (onnx/onnx#5741).
        if ceil and (out - 1) * strides[d] >= x.shape[2 + d] + pads[d]:
            out -= 1
        outs.append(out)
    y = np.zeros(x.shape[:2] + tuple(outs))
    for idx in np.ndindex(*outs):
        vals, count = [], 0
        taps = list(np.ndindex(*kernel))
        for t in taps:
            pos = [idx[d] * strides[d] + t[d] * dil[d] - pads[d] for d in range(r)]
            inside = all(0 <= pos[d] < x.shape[2 + d] for d in range(r))
            in_padded = all(-pads[d] <= pos[d] < x.shape[2 + d] + pads[d + r] for d in range(r))
            if inside:
                vals.append(x[(slice(None), slice(None)) + tuple(pos)])
            if inside or (include_pad and in_padded):
                count += 1
        if is_max:
            y[(slice(None), slice(None)) + idx] = np.max(vals, axis=0)
        else:
            y[(slice(None), slice(None)) + idx] = np.sum(vals, axis=0) / count
    return y


def resize_coord(mode, x, scale, out_len, in_len):
    f = np.float32
    x, scale, out_len, in_len = f(x), f(scale), f(out_len), f(in_len)
    if mode == "asymmetric":
        return x / scale
    if mode == "pytorch_half_pixel":
        return (x + f(0.5)) / scale - f(0.5) if out_len > 1 else f(0)
    if mode == "tf_half_pixel_for_nn":
        return (x + f(0.5)) / scale
    if mode == "align_corners":
        return f(0) if out_len == 1 else x * (in_len - f(1)) / (out_len - f(1))
    return (x + f(0.5)) / scale - f(0.5)  # half_pixel


def nearest_index(mode, v, down):
    if mode == "simple":
        return int(np.ceil(v)) if down else int(v)
    if mode == "round_prefer_ceil":
        return int(np.floor(v + 0.5)) if v >= 0 else -int(np.floor(-v + 0.5))
    if mode == "floor":
        return int(np.floor(v))
    if mode == "ceil":
        return int(np.ceil(v))
    # round_prefer_floor: halves go down
    return int(np.ceil(v - 0.5))


def resize(x, out, scales, linear, coord, nearest):
    y = x.astype(np.float64)
    for d in range(2, x.ndim):
        i, o, s = x.shape[d], out[d], scales[d]
        cols = []
        for k in range(o):
            c = float(resize_coord(coord, k, s, o, i))
            if linear:
                c = min(max(c, 0.0), i - 1)
                lo = int(np.floor(c))
                hi = min(lo + 1, i - 1)
                fr = c - lo
                cols.append((1 - fr) * np.take(y, lo, axis=d) + fr * np.take(y, hi, axis=d))
            else:
                n = min(max(nearest_index(nearest, c, s < 1), 0), i - 1)
                cols.append(np.take(y, n, axis=d))
        y = np.stack(cols, axis=d)
    return y


def run_graph(model, feeds):
    g = model.graph
    opset = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")][0]
    env = {t.name: onnx.numpy_helper.to_array(t) for t in g.initializer}
    env.update(feeds)
    for n in g.node:
        a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
        ins = [env[i] if i else None for i in n.input]
        op = n.op_type
        x = ins[0] if ins else None
        if op == "Conv":
            _, st, dl, pads = window_attrs(n, x, ins[1].shape[2:])
            out = conv_nd(x, ins[1], ins[2] if len(ins) > 2 else None, st, dl, pads, a.get("group", 1))
        elif op == "ConvTranspose":
            w = ins[1]
            r = x.ndim - 2
            st = list(a.get("strides", [1] * r))
            dl = list(a.get("dilations", [1] * r))
            op_ = list(a.get("output_padding", [0] * r))
            k = w.shape[2:]
            full_t = torch.conv_transpose2d if r == 2 else torch.conv_transpose1d
            full = full_t(torch.from_numpy(x.astype(np.float64)), torch.from_numpy(w.astype(np.float64)),
                          None, stride=st, dilation=dl, output_padding=0, groups=a.get("group", 1)).numpy()
            pads = list(a.get("pads", [0] * (2 * r)))
            if "output_shape" in a:
                shape = list(a["output_shape"])[-r:]
                pads = [0] * (2 * r)
                for d in range(r):
                    total = st[d] * (x.shape[2 + d] - 1) + op_[d] + (k[d] - 1) * dl[d] + 1 - shape[d]
                    pads[d] = pads[d + r] = total // 2
            sl = [slice(None), slice(None)]
            for d in range(r):
                n_out = (x.shape[2 + d] - 1) * st[d] - pads[d] - pads[d + r] + dl[d] * (k[d] - 1) + op_[d] + 1
                ext = np.zeros(full.shape[:2 + d] + (full.shape[2 + d] + op_[d],) + full.shape[3 + d:])
                ext[tuple(slice(0, s) for s in full.shape)] = full
                full = ext
                sl.append(slice(pads[d], pads[d] + n_out))
            out = full[tuple(sl)]
            if len(ins) > 2 and ins[2] is not None:
                out = out + ins[2].reshape([1, -1] + [1] * r)
        elif op in ("MaxPool", "AveragePool"):
            kernel = a["kernel_shape"]
            _, st, dl, pads = window_attrs(n, x, kernel)
            out = pool(x, kernel, st, dl, pads, a.get("ceil_mode", 0), op == "MaxPool",
                       a.get("count_include_pad", 0))
        elif op == "Relu":
            out = np.maximum(x, 0)
        elif op == "Sigmoid":
            out = 1 / (1 + np.exp(-x))
        elif op == "Tanh":
            out = np.tanh(x)
        elif op == "Add":
            out = x + ins[1]
        elif op == "Sub":
            out = x - ins[1]
        elif op == "Mul":
            out = x * ins[1]
        elif op == "Div":
            out = x / ins[1]
        elif op == "Clip":
            lo = a.get("min") if opset < 11 else (ins[1] if len(ins) > 1 else None)
            hi = a.get("max") if opset < 11 else (ins[2] if len(ins) > 2 else None)
            out = x
            if lo is not None:
                out = np.maximum(out, lo)
            if hi is not None:
                out = np.minimum(out, hi)
        elif op == "HardSigmoid":
            out = np.clip(a.get("alpha", 0.2) * x + a.get("beta", 0.5), 0, 1)
        elif op == "Pad":
            pads = a["pads"] if opset < 11 else list(ins[1])
            value = a.get("value", 0.0) if opset < 11 else (float(ins[2]) if len(ins) > 2 else 0.0)
            mode = a.get("mode", b"constant").decode()
            r = x.ndim
            crop = tuple(slice(max(0, -pads[d]), x.shape[d] - max(0, -pads[d + r])) for d in range(r))
            widths = [(max(0, pads[d]), max(0, pads[d + r])) for d in range(r)]
            npmode = {"constant": "constant", "reflect": "reflect", "edge": "edge"}[mode]
            kw = {"constant_values": value} if mode == "constant" else {}
            out = np.pad(x[crop], widths, mode=npmode, **kw)
        elif op == "Reshape":
            shape = [x.shape[k] if v == 0 else v for k, v in enumerate(ins[1])]
            out = x.reshape(shape)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            out = x.reshape(int(np.prod(x.shape[:ax])), -1)
        elif op == "Transpose":
            out = np.transpose(x, a.get("perm"))
        elif op == "SpaceToDepth":
            b = a["blocksize"]
            nn_, c, h, w = x.shape
            out = x.reshape(nn_, c, h // b, b, w // b, b).transpose(0, 3, 5, 1, 2, 4).reshape(
                nn_, c * b * b, h // b, w // b)
        elif op == "DepthToSpace":
            b = a["blocksize"]
            nn_, c, h, w = x.shape
            if a.get("mode", b"DCR") == b"DCR":
                out = x.reshape(nn_, b, b, c // (b * b), h, w).transpose(0, 3, 4, 1, 5, 2)
            else:
                out = x.reshape(nn_, c // (b * b), b, b, h, w).transpose(0, 1, 4, 2, 5, 3)
            out = out.reshape(nn_, c // (b * b), h * b, w * b)
        elif op == "Slice":
            if opset < 10:
                starts, ends, axes, steps = a["starts"], a["ends"], a.get("axes"), None
            else:
                starts, ends = ins[1], ins[2]
                axes = ins[3] if len(ins) > 3 else None
                steps = ins[4] if len(ins) > 4 else None
            axes = list(range(len(starts))) if axes is None else list(axes)
            steps = [1] * len(starts) if steps is None else list(steps)
            sl = [slice(None)] * x.ndim
            for s, e, ax, st in zip(starts, ends, axes, steps):
                sl[ax] = slice(int(s), int(e), int(st))
            out = x[tuple(sl)]
        elif op in ("Resize", "Upsample"):
            if op == "Upsample":
                scales = a["scales"] if opset < 9 else ins[1]
                coord, nearest = "asymmetric", "simple"
            elif opset < 11:
                scales, coord, nearest = ins[1], "asymmetric", "simple"
            else:
                coord = a.get("coordinate_transformation_mode", b"half_pixel").decode()
                nearest = a.get("nearest_mode", b"round_prefer_floor").decode()
                scales = ins[2] if len(ins) > 2 and ins[2] is not None and ins[2].size else None
            if scales is not None:
                scales = [np.float32(s) for s in scales]
                out_shape = [int(np.float32(s) * np.float32(d)) for s, d in zip(scales, x.shape)]
            else:
                out_shape = [int(v) for v in ins[3]]
                scales = [np.float32(o) / np.float32(i) for o, i in zip(out_shape, x.shape)]
            mode = a.get("mode", b"nearest").decode()
            out = resize(x, out_shape, scales, mode in ("linear", "bilinear"), coord, nearest)
        elif op == "Gemm":
            A = x.T if a.get("transA", 0) else x
            B = ins[1].T if a.get("transB", 0) else ins[1]
            out = a.get("alpha", 1.0) * (A.astype(np.float64) @ B)
            if len(ins) > 2:
                out = out + a.get("beta", 1.0) * ins[2]
        elif op == "MatMul":
            out = x.astype(np.float64) @ ins[1]
        elif op == "Softmax":
            ax = a.get("axis", 1 if opset < 13 else -1)
            if opset < 13:
                ax = ax % x.ndim
                flat = x.reshape(int(np.prod(x.shape[:ax])), -1).astype(np.float64)
                e = np.exp(flat - flat.max(1, keepdims=True))
                out = (e / e.sum(1, keepdims=True)).reshape(x.shape)
            else:
                e = np.exp(x - x.max(ax, keepdims=True))
                out = e / e.sum(ax, keepdims=True)
        elif op in ("Identity", "Dropout", "Cast"):
            out = x
        elif op == "Constant":
            out = onnx.numpy_helper.to_array(a["value"]) if "value" in a else np.array(a["value_floats"], np.float32)
        elif op == "Expand":
            out = x * np.ones(list(ins[1]))
        elif op == "Gather":
            out = np.take(x, ins[1], axis=a.get("axis", 0))
        elif op == "Split":
            ax = a.get("axis", 0)
            sizes = a.get("split") if opset < 13 else (list(ins[1]) if len(ins) > 1 else None)
            if sizes is None:
                sizes = [x.shape[ax] // len(n.output)] * len(n.output)
            outs = np.split(x, np.cumsum(sizes)[:-1], axis=ax)
            for name, o in zip(n.output, outs):
                env[name] = o
            continue
        elif op in ("Squeeze", "Unsqueeze"):
            axes = a.get("axes") if opset < 13 else list(ins[1])
            out = np.squeeze(x, tuple(axes)) if op == "Squeeze" else np.expand_dims(x, tuple(axes))
        elif op == "Concat":
            out = np.concatenate(ins, axis=a["axis"])
        elif op == "BatchNormalization":
            sh = [1, -1] + [1] * (x.ndim - 2)
            sc, b, m, v = (t.astype(np.float64).reshape(sh) for t in ins[1:5])
            out = (x - m) / np.sqrt(v + np.float32(a.get("epsilon", 1e-5))) * sc + b
        elif op == "GlobalAveragePool":
            out = x.mean(axis=tuple(range(2, x.ndim)), keepdims=True)
        elif op == "GlobalMaxPool":
            out = x.max(axis=tuple(range(2, x.ndim)), keepdims=True)
        elif op == "ReduceMax":
            out = x.max(axis=tuple(a["axes"]), keepdims=bool(a.get("keepdims", 1)))
        elif op == "Neg":
            out = -x
        else:
            raise NotImplementedError(op)
        env[n.output[0]] = out
    return [env[o.name] for o in g.output]


def tensor_proto(name, array):
    return onnx.numpy_helper.from_array(np.asarray(array), name)


def make_model(nodes, inputs, outputs, initializers, opset, ir_version=None):
    """inputs / outputs: [(name, shape)] of float tensors (shape None: of
    unknown extents; helper_case fills in the real ones)."""
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s if s is not None else ["?"]) for n, s in outputs],
        [tensor_proto(k, v) for k, v in initializers.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="make_onnx_tests")
    model.ir_version = ir_version or (7 if opset >= 13 else 6)
    return model


def set_output_shapes(model, outs):
    for vi, o in zip(model.graph.output, outs):
        shape = vi.type.tensor_type.shape
        shape.ClearField("dim")
        for d in np.asarray(o).shape:
            shape.dim.add().dim_value = d
        if np.asarray(o).dtype.kind == "i":
            vi.type.tensor_type.elem_type = TensorProto.INT64


def helper_case(name, build, exact=False, input_shapes=None):
    """`build(rng)` returns (model, feeds); the golden comes from run_graph."""

    def writer(outdir):
        rng = seed(name)
        model, feeds = build(rng)
        outs = run_graph(model, dict(feeds))
        set_output_shapes(model, outs)
        onnx.checker.check_model(model)
        outs = [np.asarray(o).astype(np.int64 if np.asarray(o).dtype.kind == "i" else np.float32) for o in outs]
        meta = {"source": "onnx.helper opset %d" % model.opset_import[0].version, "exact": exact}
        if input_shapes:
            meta["input_shapes"] = input_shapes
        write_case(outdir, name, model.SerializeToString(), [v for _, v in feeds], outs, meta)

    CASES.append((name, writer))


def single_op(op_type, x_shape, attrs=None, consts=None, opset=13, extra_inputs=(), weights=None,
              empty_inputs=()):
    """A model of one node over input x (and named initializers / constants
    given as (name, array) in `consts`, inserted in order as inputs)."""
    def build(rng):
        inits = dict(weights(rng) if weights else {})
        names = ["x"]
        for cname, arr in (consts or []):
            if cname in empty_inputs:
                names.append("")
                continue
            inits[cname] = arr
            names.append(cname)
        names += list(extra_inputs)
        node = helper.make_node(op_type, names, ["y"], name="the_" + op_type.lower(), **(attrs or {}))
        model = make_model([node], [("x", x_shape)], [("y", None)], inits, opset)
        return model, [("x", rand(rng, x_shape))]
    return build


def f32(*v):
    return np.array(v, np.float32)


def i64(*v):
    return np.array(v, np.int64)


# Upsample (opsets 7 and 9) and Resize opset 10: asymmetric coordinates.
helper_case("upsample7_nearest_attr", single_op("Upsample", [1, 2, 3, 4], {"mode": "nearest", "scales": [1.0, 1.0, 2.0, 3.0]},
                                                 opset=7), exact=True)
helper_case("upsample7_linear_attr", single_op("Upsample", [1, 2, 3, 4], {"mode": "linear", "scales": [1.0, 1.0, 2.0, 2.0]},
                                                opset=7))
helper_case("upsample9_nearest_input", single_op("Upsample", [1, 2, 3, 4], {"mode": "nearest"},
                                                  [("scales", f32(1, 1, 2, 2))], opset=9), exact=True)
helper_case("upsample9_linear_input", single_op("Upsample", [1, 2, 4, 3], {"mode": "linear"},
                                                 [("scales", f32(1, 1, 3, 2))], opset=9))
helper_case("resize10_nearest", single_op("Resize", [1, 2, 3, 4], {"mode": "nearest"},
                                          [("scales", f32(1, 1, 2, 2))], opset=10), exact=True)
helper_case("resize10_linear", single_op("Resize", [1, 2, 3, 4], {"mode": "linear"},
                                         [("scales", f32(1, 1, 2, 3))], opset=10))


# Resize opsets 11 and 13: coordinate and nearest modes, by sizes and scales.
def resize_case(name, shape, mode, coord, nearest=None, scales=None, sizes=None, opset=13):
    attrs = {"mode": mode, "coordinate_transformation_mode": coord}
    if nearest:
        attrs["nearest_mode"] = nearest
    consts = [("roi", f32()), ("scales", f32(*scales) if scales else f32())]
    if sizes:
        consts.append(("sizes", i64(*sizes)))
    empty = ("roi",) if opset >= 13 else ()
    if opset >= 13 and not scales:
        empty = ("roi", "scales")
    helper_case(name, single_op("Resize", shape, attrs, consts, opset=opset, empty_inputs=empty),
                exact=mode == "nearest")


resize_case("resize_nearest_asym_floor_up2", [1, 2, 4, 5], "nearest", "asymmetric", "floor", scales=[1, 1, 2, 2])
resize_case("resize_nearest_half_round_floor_up2", [1, 2, 4, 5], "nearest", "half_pixel", "round_prefer_floor",
            scales=[1, 1, 2, 2], opset=11)
resize_case("resize_nearest_half_round_floor_up3", [1, 2, 4, 5], "nearest", "half_pixel", "round_prefer_floor",
            sizes=[1, 2, 12, 15])
resize_case("resize_nearest_half_round_ceil_down2", [1, 2, 8, 6], "nearest", "half_pixel", "round_prefer_ceil",
            sizes=[1, 2, 4, 3])
resize_case("resize_nearest_half_down3_center", [1, 2, 9, 6], "nearest", "half_pixel", "round_prefer_floor",
            scales=[1, 1, 1.0 / 3, 0.5])
resize_case("resize_nearest_asym_ceil_down2", [1, 2, 8, 6], "nearest", "asymmetric", "ceil", scales=[1, 1, 0.5, 0.5])
resize_case("resize_nearest_tf_half_floor_up2", [1, 2, 4, 5], "nearest", "tf_half_pixel_for_nn", "floor",
            scales=[1, 1, 2, 2], opset=11)
resize_case("resize_nearest_pytorch_half_up4", [1, 2, 3, 3], "nearest", "pytorch_half_pixel", "round_prefer_floor",
            sizes=[1, 2, 12, 6])
resize_case("resize_nearest_align_corners_up", [1, 2, 3, 4], "nearest", "align_corners", "round_prefer_floor",
            sizes=[1, 2, 5, 7])
resize_case("resize_linear_half_pixel_scales", [1, 2, 4, 5], "linear", "half_pixel", scales=[1, 1, 2, 2], opset=11)
resize_case("resize_linear_half_pixel_sizes_down", [1, 2, 9, 8], "linear", "half_pixel", sizes=[1, 2, 4, 5])
resize_case("resize_linear_pytorch_half_to_one", [1, 2, 5, 6], "linear", "pytorch_half_pixel", sizes=[1, 2, 1, 9])
resize_case("resize_linear_asymmetric_up", [1, 2, 4, 5], "linear", "asymmetric", scales=[1, 1, 2, 3])
resize_case("resize_linear_asymmetric_down", [1, 2, 9, 7], "linear", "asymmetric", sizes=[1, 2, 4, 3])
resize_case("resize_linear_align_corners", [1, 2, 4, 5], "linear", "align_corners", sizes=[1, 2, 7, 3], opset=11)
resize_case("resize_linear_1d", [1, 2, 6], "linear", "half_pixel", scales=[1, 1, 2.5])

# Padding forms: auto_pad on convs and pools.
conv_w = lambda cin, cout, k: (lambda rng: {"w": rand(rng, [cout, cin] + k, -0.5, 0.5), "b": rand(rng, [cout])})
helper_case("conv_auto_pad_same_upper", single_op("Conv", [1, 3, 9, 8], {"auto_pad": "SAME_UPPER", "strides": [2, 2]},
                                                   extra_inputs=("w", "b"), weights=conv_w(3, 4, [4, 3])))
helper_case("conv_auto_pad_same_lower", single_op("Conv", [1, 3, 9, 8], {"auto_pad": "SAME_LOWER", "dilations": [2, 1]},
                                                   extra_inputs=("w", "b"), weights=conv_w(3, 4, [2, 4]), opset=11))
helper_case("conv_auto_pad_valid", single_op("Conv", [1, 3, 9, 8], {"auto_pad": "VALID", "kernel_shape": [3, 3]},
                                              extra_inputs=("w",), weights=lambda rng: {"w": rand(rng, [4, 3, 3, 3])}))
helper_case("conv_asymmetric_pads", single_op("Conv", [1, 3, 7, 7], {"pads": [0, 2, 1, 0]},
                                               extra_inputs=("w", "b"), weights=conv_w(3, 2, [3, 3])))
helper_case("conv1d_auto_pad_same", single_op("Conv", [1, 3, 10], {"auto_pad": "SAME_UPPER", "strides": [3]},
                                               extra_inputs=("w", "b"), weights=conv_w(3, 4, [4])))
helper_case("max_pool_auto_pad_same", single_op("MaxPool", [1, 3, 9, 8], {"auto_pad": "SAME_UPPER",
                                                                           "kernel_shape": [3, 2], "strides": [2, 2]}))
helper_case("avg_pool_auto_pad_same_lower", single_op("AveragePool", [1, 3, 7, 8],
                                                      {"auto_pad": "SAME_LOWER", "kernel_shape": [2, 3],
                                                       "count_include_pad": 0}, opset=11))
helper_case("max_pool_ceil_drops_window_in_padding", single_op(
    "MaxPool", [1, 2, 5, 6], {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1}))
helper_case("avg_pool_ceil_drops_window_in_padding", single_op(
    "AveragePool", [1, 2, 5, 7], {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [1, 1, 1, 1], "ceil_mode": 1,
                                   "count_include_pad": 1}))
helper_case("avg_pool_strides_default", single_op("AveragePool", [1, 3, 6, 7], {"kernel_shape": [2, 2],
                                                                                "pads": [1, 0, 1, 1],
                                                                                "count_include_pad": 1}))
ct_w = lambda cin, cout, k: (lambda rng: {"w": rand(rng, [cin, cout] + k, -0.5, 0.5), "b": rand(rng, [cout])})
helper_case("conv_transpose_output_shape", single_op("ConvTranspose", [1, 3, 4, 5],
                                                     {"strides": [2, 2], "output_shape": [8, 10]},
                                                     extra_inputs=("w", "b"), weights=ct_w(3, 2, [4, 4])))
helper_case("conv_transpose_asym_pads", single_op("ConvTranspose", [1, 3, 4, 5], {"strides": [2, 3], "pads": [1, 0, 0, 2]},
                                                  extra_inputs=("w",), weights=lambda rng: {"w": rand(rng, [3, 2, 3, 4])}))

# Clip as attributes (opset 10) and as inputs (opset 11+), and its bounds.
helper_case("clip10_attrs_relu6", single_op("Clip", [1, 3, 5, 5], {"min": 0.0, "max": 6.0}, opset=10))
helper_case("clip10_attrs_general", single_op("Clip", [1, 3, 5, 5], {"min": -0.5, "max": 0.25}, opset=10))
helper_case("clip10_attr_max_only", single_op("Clip", [1, 3, 5, 5], {"max": 0.3}, opset=10))
helper_case("clip11_inputs_relu6", single_op("Clip", [1, 3, 5, 5], None, [("lo", f32(0)), ("hi", f32(6))], opset=11))
helper_case("clip13_input_min_only", single_op("Clip", [1, 3, 5, 5], None, [("lo", f32(-0.2))], opset=13))
helper_case("clip13_no_bounds", single_op("Clip", [1, 3, 5, 5], None, opset=13))
helper_case("hard_sigmoid_attrs", single_op("HardSigmoid", [1, 3, 5, 5], {"alpha": 0.4, "beta": 0.3}, opset=11))

# Gemm forms.
helper_case("gemm_transB0_alpha_beta", single_op("Gemm", [3, 6], {"alpha": 0.5, "beta": 2.0},
                                                 extra_inputs=("B", "C"),
                                                 weights=lambda rng: {"B": rand(rng, [6, 4]), "C": rand(rng, [4])}))
helper_case("gemm_transB1_scalar_c", single_op("Gemm", [2, 5], {"transB": 1}, extra_inputs=("B", "C"),
                                               weights=lambda rng: {"B": rand(rng, [3, 5]), "C": f32(0.25)}))
helper_case("gemm_no_c", single_op("Gemm", [2, 5], {"transB": 1}, extra_inputs=("B",),
                                   weights=lambda rng: {"B": rand(rng, [3, 5])}, opset=11))
helper_case("matmul_rank3", single_op("MatMul", [2, 3, 5], None, extra_inputs=("B",),
                                      weights=lambda rng: {"B": rand(rng, [5, 4])}))
helper_case("reduce_max_spatial", single_op("ReduceMax", [1, 3, 4, 5], {"axes": [2, 3], "keepdims": 1}))
helper_case("neg", single_op("Neg", [1, 3, 4, 5]))
helper_case("global_max_pool_1d", single_op("GlobalMaxPool", [2, 3, 7]))
helper_case("softmax11_flattening", single_op("Softmax", [1, 3, 2, 4], {"axis": 1}, opset=11))
helper_case("softmax13_axis1", single_op("Softmax", [1, 3, 2, 4], {"axis": 1}, opset=13))

# Data movement in older and newer forms.
helper_case("pad10_attrs_edge", single_op("Pad", [1, 2, 4, 5], {"pads": [0, 0, 1, 2, 0, 0, 2, 1], "mode": "edge"},
                                          opset=10))
helper_case("pad11_negative_crop", single_op("Pad", [1, 2, 6, 5], None,
                                             [("pads", i64(0, 0, -1, 2, 0, 0, 1, -2)), ("v", f32(1.5))], opset=11))
helper_case("slice9_attrs", single_op("Slice", [1, 4, 6, 5], {"starts": [1, 2], "ends": [3, 100], "axes": [1, 3]},
                                      opset=9))
helper_case("split11_attr", lambda rng: (
    make_model([helper.make_node("Split", ["x"], ["a", "b"], axis=1, split=[1, 3]),
                helper.make_node("Relu", ["b"], ["c"])],
               [("x", [1, 4, 3, 3])], [("a", None), ("c", None)], {}, 11),
    [("x", rand(rng, [1, 4, 3, 3]))]))
helper_case("split13_input", lambda rng: (
    make_model([helper.make_node("Split", ["x", "sizes"], ["a", "b"], axis=2)],
               [("x", [1, 2, 5, 3])], [("a", None), ("b", None)], {"sizes": i64(2, 3)}, 13),
    [("x", rand(rng, [1, 2, 5, 3]))]))
helper_case("squeeze_unsqueeze11", lambda rng: (
    make_model([helper.make_node("Unsqueeze", ["x"], ["u"], axes=[0]),
                helper.make_node("Squeeze", ["u"], ["s"], axes=[0]),
                helper.make_node("Relu", ["s"], ["y"])],
               [("x", [2, 3, 4])], [("y", None)], {}, 11), [("x", rand(rng, [2, 3, 4]))]))
helper_case("gather_channels_strided", single_op("Gather", [1, 6, 3, 3], {"axis": 1}, [("idx", i64(1, 3, 5))]))
helper_case("identity_dropout_cast_expand", lambda rng: (
    make_model([helper.make_node("Identity", ["x"], ["a"]),
                helper.make_node("Dropout", ["a", "ratio", "training"], ["b", "mask"]),
                helper.make_node("Cast", ["b"], ["c"], to=TensorProto.FLOAT),
                helper.make_node("Expand", ["c", "shape"], ["d"]),
                helper.make_node("Constant", [], ["k"], value=tensor_proto("k", f32(0.5, -1.0, 2.0).reshape(1, 3, 1, 1))),
                helper.make_node("Mul", ["d", "k"], ["y"])],
               [("x", [1, 3, 4, 4])], [("y", None)],
               {"ratio": np.array(0.3, np.float32), "training": np.array(False), "shape": i64(1, 1, 4)}, 13),
    [("x", rand(rng, [1, 3, 4, 4]))]))


# Transposes that cancel, with work in between (NCHW -> NHWC -> NCHW).
def transposes_case(rng):
    nodes = [helper.make_node("Transpose", ["x"], ["t"], perm=[0, 2, 3, 1]),
             helper.make_node("Relu", ["t"], ["r"]),
             helper.make_node("Mul", ["r", "scale"], ["m"]),
             helper.make_node("Softmax", ["m"], ["s"], axis=-1),
             helper.make_node("Transpose", ["s"], ["y"], perm=[0, 3, 1, 2])]
    return (make_model(nodes, [("x", [1, 4, 3, 5])], [("y", None)], {"scale": rand(rng, [4], 0.5, 2)}, 13),
            [("x", rand(rng, [1, 4, 3, 5]))])


helper_case("transposes_cancel", transposes_case)
# Names that are keywords or values of the text format, start with digits or
# hold characters identifiers cannot: the round trip through .atr must keep
# them apart.
helper_case("awkward_names", lambda rng: (
    make_model([helper.make_node("Relu", ["input"], ["1"], name="model"),
                helper.make_node("Sigmoid", ["1"], ["inf"], name="block"),
                helper.make_node("Tanh", ["inf"], ["output"], name="return"),
                helper.make_node("Relu", ["output"], ["a/b:c"], name="a/b:c"),
                helper.make_node("Add", ["a/b:c", "input"], ["true"], name="")],
               [("input", [1, 2, 3])], [("output", None), ("true", None)], {}, 13),
    [("input", rand(rng, [1, 2, 3]))]))


# TensorFlow's atrous convolution: space_to_batch -> conv -> batch_to_space,
# spelt as tf.space_to_batch_nd is defined (Pad, Reshape, Transpose, Reshape)
# and as tf2onnx writes it (Transpose batch and channels, SpaceToDepth).
def s2b_reshape(x, block, pads, out):
    """Nodes turning x [N, C, H, W] into space_to_batch(x) as `out`."""
    n, c, h, w = x[1]
    hp, wp = h + pads[0] + pads[2], w + pads[1] + pads[3]
    name = x[0]
    return [
        helper.make_node("Pad", [name, name + "_pads"], [name + "_p"], mode="constant"),
        helper.make_node("Reshape", [name + "_p", name + "_s1"], [name + "_r1"]),
        helper.make_node("Transpose", [name + "_r1"], [name + "_t"], perm=[3, 5, 0, 1, 2, 4]),
        helper.make_node("Reshape", [name + "_t", name + "_s2"], [out]),
    ], {name + "_pads": i64(0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]),
        name + "_s1": i64(n, c, hp // block, block, wp // block, block),
        name + "_s2": i64(block * block * n, c, hp // block, wp // block)}


def b2s_reshape(name, shape, block, crops, out):
    bn, c, h, w = shape
    n = bn // (block * block)
    return [
        helper.make_node("Reshape", [name, out + "_s1"], [out + "_r1"]),
        helper.make_node("Transpose", [out + "_r1"], [out + "_t"], perm=[2, 3, 4, 0, 5, 1]),
        helper.make_node("Reshape", [out + "_t", out + "_s2"], [out + "_r2"]),
        helper.make_node("Slice", [out + "_r2", out + "_st", out + "_en", out + "_ax"], [out]),
    ], {out + "_s1": i64(block, block, n, c, h, w), out + "_s2": i64(n, c, h * block, w * block),
        out + "_st": i64(crops[0], crops[1]), out + "_en": i64(h * block - crops[2], w * block - crops[3]),
        out + "_ax": i64(2, 3)}


def tf_atrous_reshape(rng):
    block, pads, crops = 2, [2, 2, 3, 3], [0, 0, 1, 1]
    shape = [1, 3, 9, 9]
    n1, i1 = s2b_reshape(("x", shape), block, pads, "sb")
    # 13x13 padded -> no: 9 + 2 + 3 = 14, 14 / 2 = 7 per phase; conv 3x3 valid -> 5; b2s -> 10; crop -> 9
    conv = helper.make_node("Conv", ["sb", "w", "b"], ["cv"], name="atrous_conv", kernel_shape=[3, 3])
    n2, i2 = b2s_reshape("cv", [4, 4, 5, 5], block, crops, "y")
    inits = dict(i1, **i2)
    inits.update({"w": rand(rng, [4, 3, 3, 3], -0.5, 0.5), "b": rand(rng, [4])})
    return make_model(n1 + [conv] + n2, [("x", shape)], [("y", None)], inits, 13), [("x", rand(rng, shape))]


def tf_atrous_space_to_depth(rng):
    # Batch and channels swapped, then SpaceToDepth moves the phases into the
    # (former batch) channel dim in space_to_batch's order; the conv pads on
    # the phase grid and a ReLU runs on the phases before batch_to_space.
    block = 3
    shape = [2, 3, 10, 8]
    nodes = [
        helper.make_node("Transpose", ["x"], ["xt"], perm=[1, 0, 2, 3]),
        helper.make_node("Pad", ["xt", "pads"], ["xp"]),
        helper.make_node("SpaceToDepth", ["xp"], ["sd"], blocksize=block),
        helper.make_node("Transpose", ["sd"], ["sb"], perm=[1, 0, 2, 3]),
        helper.make_node("Conv", ["sb", "w"], ["cv"], name="phase_conv", pads=[1, 1, 1, 1], dilations=[1, 1]),
        helper.make_node("Relu", ["cv"], ["rl"]),
        helper.make_node("Transpose", ["rl"], ["ct"], perm=[1, 0, 2, 3]),
        helper.make_node("DepthToSpace", ["ct", ], ["ds"], blocksize=block, mode="DCR"),
        helper.make_node("Transpose", ["ds"], ["bs"], perm=[1, 0, 2, 3]),
        helper.make_node("Slice", ["bs", "st", "en", "ax"], ["y"]),
    ]
    # 10 + 1 + 1 = 12 = 4 * 3; 8 + 0 + 1 = 9 = 3 * 3.
    inits = {"pads": i64(0, 0, 1, 0, 0, 0, 1, 1), "w": rand(rng, [5, 3, 3, 3], -0.5, 0.5),
             "st": i64(1, 0), "en": i64(11, 8), "ax": i64(2, 3)}
    return make_model(nodes, [("x", shape)], [("y", None)], inits, 13), [("x", rand(rng, shape))]


def tf_atrous_1d(rng):
    # The 1-D form of a dilated causal conv (WaveNet in TensorFlow).
    block, shape = 4, [1, 2, 12]
    nodes = [
        helper.make_node("Pad", ["x", "pads"], ["xp"]),
        helper.make_node("Reshape", ["xp", "s1"], ["r1"]),
        helper.make_node("Transpose", ["r1"], ["t1"], perm=[3, 0, 1, 2]),
        helper.make_node("Reshape", ["t1", "s2"], ["sb"]),
        helper.make_node("Conv", ["sb", "w", "b"], ["cv"]),
        helper.make_node("Reshape", ["cv", "s3"], ["r3"]),
        helper.make_node("Transpose", ["r3"], ["t3"], perm=[1, 2, 3, 0]),
        helper.make_node("Reshape", ["t3", "s4"], ["y"]),
    ]
    # causal: pad 4 in front; 16 / 4 = 4 per phase; conv k=2 valid -> 3; b2s -> 12.
    inits = {"pads": i64(0, 0, 4, 0, 0, 0), "s1": i64(1, 2, 4, 4), "s2": i64(4, 2, 4),
             "w": rand(rng, [3, 2, 2], -0.5, 0.5), "b": rand(rng, [3]),
             "s3": i64(4, 1, 3, 3), "s4": i64(1, 3, 12)}
    return make_model(nodes, [("x", shape)], [("y", None)], inits, 13), [("x", rand(rng, shape))]


helper_case("tf_atrous_conv_reshape_spelling", tf_atrous_reshape)
helper_case("tf_atrous_conv_space_to_depth_spelling", tf_atrous_space_to_depth)
helper_case("tf_atrous_conv1d_causal", tf_atrous_1d)


def external_data_case(outdir):
    rng = seed("external_data")
    w, b = rand(rng, [4, 3, 3, 3], -0.5, 0.5), rand(rng, [4])
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"])]
    model = make_model(nodes, [("x", [1, 3, 5, 5])], [("y", None)], {"w": w, "b": b}, 13)
    x = rand(rng, [1, 3, 5, 5])
    y = run_graph(model, {"x": x})
    set_output_shapes(model, y)
    d = os.path.join(outdir, "external_data")
    os.makedirs(d)
    onnx.save_model(model, os.path.join(d, "model.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="model.weights", size_threshold=0)
    np.save(os.path.join(d, "input0.npy"), x)
    np.save(os.path.join(d, "output0.npy"), y[0].astype(np.float32))
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump({"exact": False, "source": "onnx.helper opset 13, weights in model.weights"}, f, indent=1,
                  sort_keys=True)
        f.write("\n")


CASES.append(("external_data", external_data_case))


# ------------------------------------------------------------ error cases ----


def error_case(name, make, errors, input_shapes=None, extra=None):
    """`make(rng)` returns the file's bytes; the import must fail with a
    message containing every string of `errors`."""

    def writer(outdir):
        rng = seed(name)
        data = make(rng)
        meta = {"error": errors}
        if input_shapes:
            meta["input_shapes"] = input_shapes
        write_case(outdir, "error_" + name, data, [], [], meta, (extra or (lambda r: {}))(rng))

    CASES.append(("error_" + name, writer))


def one_node_bytes(op_type, shape, attrs=None, consts=(), opset=13, domain=None, opsets=None, outputs=("y",)):
    def make(rng):
        inits = dict(consts)
        node = helper.make_node(op_type, ["x"] + [k for k, _ in consts], list(outputs), name="bad_node",
                                domain=domain, **(attrs or {}))
        model = make_model([node], [("x", shape)], [(o, None) for o in outputs], inits, opset)
        if opsets:
            model.opset_import.extend([helper.make_opsetid(d, v) for d, v in opsets])
        return model.SerializeToString()
    return make


def valid_conv_model(rng, opset=13, shape=(1, 3, 8, 8)):
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["y"], name="relu")]
    return make_model(nodes, [("x", list(shape))], [("y", None)],
                      {"w": rand(rng, [8, 3, 3, 3]), "b": rand(rng, [8])}, opset)


error_case("unsupported_op", one_node_bytes("Erf", [1, 2, 3, 3]),
           ["node 'bad_node'", "Erf", "opset 13", "not supported"])
error_case("custom_domain_op", one_node_bytes("FusedThing", [1, 2, 3, 3], domain="com.example",
                                              opsets=[("com.example", 1)]),
           ["com.example.FusedThing", "not supported"])
error_case("truncated_file", lambda rng: valid_conv_model(rng).SerializeToString()[:-150],
           ["error:", "truncated"])
error_case("not_onnx", lambda rng: b"this is not an ONNX model, just text\n" * 4, ["error:"])
error_case("empty_file", lambda rng: b"", ["no graph nodes"])
error_case("dynamic_input_dim", lambda rng: make_model(
    [helper.make_node("Relu", ["x"], ["y"])], [("x", ["batch", 3, 8, 8])], [("y", None)], {}, 13).SerializeToString(),
           ["input 'x'", "dynamic dimension 'batch'", "[batch, 3, 8, 8]", "--input-shape x=1x3x8x8"])
error_case("input_shape_wrong_rank", lambda rng: valid_conv_model(rng).SerializeToString(),
           ["input 'x' has rank 4", "--input-shape"], input_shapes={"x": [1, 3, 8]})
error_case("input_shape_unknown_name", lambda rng: valid_conv_model(rng).SerializeToString(),
           ["--input-shape names 'image'", "inputs are: x"], input_shapes={"image": [1, 3, 8, 8]})
error_case("resize_cubic", one_node_bytes("Resize", [1, 2, 4, 4], {"mode": "cubic"},
                                          [("roi", f32()), ("scales", f32(1, 1, 2, 2))]),
           ["Resize", "mode=cubic", "not supported"])
error_case("resize_nearest_unrepresentable", one_node_bytes(
    "Resize", [1, 2, 3, 3], {"mode": "nearest", "coordinate_transformation_mode": "half_pixel"},
    [("roi", f32()), ("scales", f32()), ("sizes", i64(1, 2, 5, 3))]),
           ["nearest resize of dim 2 from 3 to 5", "half_pixel", "round_prefer_floor", "cannot be represented"])
error_case("resize_linear_fractional_scale", one_node_bytes(
    "Resize", [1, 2, 5, 4], {"mode": "linear"}, [("roi", f32()), ("scales", f32(1, 1, 1.5, 1))]),
           ["scale 1.5", "give sizes instead"])
error_case("resize_crop_and_resize", one_node_bytes(
    "Resize", [1, 2, 4, 4], {"mode": "linear", "coordinate_transformation_mode": "tf_crop_and_resize"},
    [("roi", f32(0, 0, 0, 0, 1, 1, 1, 1)), ("scales", f32(1, 1, 2, 2))]),
           ["coordinate_transformation_mode=tf_crop_and_resize"])
error_case("conv3d", one_node_bytes("Conv", [1, 2, 3, 3, 3], None, [("w", np.ones([2, 2, 1, 1, 1], np.float32))]),
           ["node 'bad_node' (Conv, opset 13)", "1-D and 2-D"])
error_case("conv_runtime_weight", lambda rng: make_model(
    [helper.make_node("Conv", ["x", "w"], ["y"], name="bad_node")], [("x", [1, 2, 3, 3]), ("w", [2, 2, 1, 1])],
    [("y", None)], {}, 13).SerializeToString(), ["the weight W", "computed at run time"])
error_case("div_runtime", lambda rng: make_model(
    [helper.make_node("Div", ["x", "z"], ["y"], name="bad_node")], [("x", [1, 2, 3, 3]), ("z", [1, 2, 3, 3])],
    [("y", None)], {}, 13).SerializeToString(), ["(Div, opset 13)", "division by a run-time tensor"])
error_case("argmax_last_index", one_node_bytes("ArgMax", [1, 3, 2, 2], {"select_last_index": 1}),
           ["select_last_index=1"])
error_case("batchnorm_training", one_node_bytes(
    "BatchNormalization", [1, 2, 3, 3], {"training_mode": 1},
    [("s", f32(1, 1)), ("bb", f32(0, 0)), ("m", f32(0, 0)), ("v", f32(1, 1))], opset=14),
           ["training_mode=1"])
error_case("conv_transpose_odd_output_shape", one_node_bytes(
    "ConvTranspose", [1, 2, 3, 3], {"strides": [2, 2], "output_shape": [6, 6]},
    [("w", np.ones([2, 2, 3, 3], np.float32))]), ["output_shape", "odd total padding"])
error_case("transpose_not_undone", one_node_bytes("Transpose", [1, 2, 3, 4], {"perm": [0, 1, 3, 2]}),
           ["Transpose", "no general transpose"])
error_case("output_is_constant", lambda rng: make_model(
    [helper.make_node("Relu", ["x"], ["r"]),
     helper.make_node("Constant", [], ["y"], value=tensor_proto("k", f32(1, 2)))],
    [("x", [1, 2])], [("r", None), ("y", None)], {}, 13).SerializeToString(), ["graph output 'y'", "constant"])
def _opset_model(version):
    model = make_model([helper.make_node("Relu", ["x"], ["y"])], [("x", [1, 2, 3])], [("y", None)], {}, 13)
    model.opset_import[0].version = version
    return model.SerializeToString()


error_case("opset_too_new", lambda rng: _opset_model(18), ["opset 18 is not supported", "7 to 17"])
error_case("opset_too_old", lambda rng: _opset_model(6), ["opset 6 is not supported"])
error_case("external_data_missing", lambda rng: _external_model(rng, False), ["model.weights", "exist"])
error_case("external_data_truncated", lambda rng: _external_model(rng, True), ["model.weights", "truncated"],
           extra=lambda rng: {"model.weights": b"\0" * 40})
error_case("external_data_escapes", lambda rng: _external_model(rng, False, "../outside.bin"),
           ["must be a relative path inside the model's folder"])
error_case("initializer_short_raw_data", lambda rng: _short_initializer(rng), ["initializer 'w'", "bytes of data"])


def _external_model(rng, present, location="model.weights"):
    model = valid_conv_model(rng)
    for t in model.graph.initializer:
        if t.name == "w":
            t.data_location = TensorProto.EXTERNAL
            t.ClearField("raw_data")
            t.ClearField("float_data")
            del t.external_data[:]
            for k, v in (("location", location), ("offset", "0"), ("length", str(8 * 3 * 3 * 3 * 4))):
                e = t.external_data.add()
                e.key, e.value = k, v
    return model.SerializeToString()


def _short_initializer(rng):
    model = valid_conv_model(rng)
    for t in model.graph.initializer:
        if t.name == "w":
            t.raw_data = np.zeros(10, np.float32).tobytes()
            t.ClearField("float_data")
    return model.SerializeToString()


def main(argv):
    outdir = argv[1] if len(argv) > 1 else os.path.join(ROOT, "tests", "onnx")
    os.makedirs(outdir, exist_ok=True)
    for entry in os.listdir(outdir):
        path = os.path.join(outdir, entry)
        if os.path.isdir(path):
            shutil.rmtree(path)
    for _, writer in CASES:
        writer(outdir)
    count = sum(1 for e in os.listdir(outdir) if os.path.isdir(os.path.join(outdir, e)))
    size = 0
    for dirpath, _, files in os.walk(outdir):
        size += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    print("wrote %d cases to %s (%.0f KiB)" % (count, outdir, size / 1024))


if __name__ == "__main__":
    main(sys.argv)
