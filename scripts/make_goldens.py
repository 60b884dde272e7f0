#!/usr/bin/python3
"""Writes the PyTorch golden cases under tests/golden/: for every operator and
its interesting attribute combinations, a small .atr model, its weights, its
inputs and the output PyTorch computes for them. The C++ reference interpreter
is tested against these (tests/unit/GoldenTest.cpp), so the semantics in
docs/ops.md are checked against an implementation nobody here wrote.

Each case emits its .atr lines and computes its result with torch side by
side, so a model and its golden cannot drift apart. Weights and inputs are
random f32 values; the computation runs in float64 on those exact values and
is rounded to f32 once at the end, so the goldens carry no accumulation error
of their own.

Run with /usr/bin/python3 (torch + numpy): `scripts/make_goldens.py [outdir]`.
"""

import json
import math
import os
import shutil
import struct
import sys
import zlib

import numpy as np
import torch
import torch.nn.functional as F

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
CASES = []
# Smallest gap between the two largest values an argmax may compare: far above
# the f32 rounding of the values compared, so the index is well defined.
MIN_ARGMAX_MARGIN = 1e-3


def case(fn):
    CASES.append(fn)
    return fn


def attr_str(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(attr_str(e) for e in v) + "]"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def per_dim(v, rank):
    v = list(v) if isinstance(v, (list, tuple)) else [v]
    return v * rank if len(v) == 1 else v


def apply_epilogue(t, act, residual, alpha):
    """A conv's fused epilogue (docs/ops.md, "Epilogues") on its result t."""
    if residual is not None:
        t = t + residual.t
    if act == "relu":
        t = F.relu(t)
    elif act == "leaky_relu":
        t = F.leaky_relu(t, alpha)
    elif act == "gated":
        h = t.shape[1] // 2
        t = torch.tanh(t[:, :h]) * torch.sigmoid(t[:, h:])
    return t


class Value:
    """A named value of the model and its float64 (or int) torch tensor."""

    def __init__(self, name, t):
        self.name = name
        self.t = t


class Model:
    """Collects the .atr lines, inputs and weights of one case."""

    def __init__(self, name, attempt=0):
        self.name = name
        self.argmax_margin = math.inf
        self.lines = ["# Golden case " + name + ", written by scripts/make_goldens.py", "model " + name]
        self.inputs = []
        self.weights = {}
        torch.manual_seed(zlib.crc32(name.encode()) + attempt)

    # Random f32 values, returned as float64 tensors holding the same numbers.
    def randn(self, shape, scale=1.0):
        return (torch.randn(shape) * scale).float().double()

    def uniform(self, shape, lo, hi):
        return (torch.rand(shape) * (hi - lo) + lo).float().double()

    def input(self, name, shape, scale=1.0, offset=0.0):
        t = (self.randn(shape, scale) + offset).float().double()
        self.inputs.append(t)
        self.lines.append("input %s : f32[%s]" % (name, ", ".join(str(d) for d in shape)))
        return Value(name, t)

    def param(self, name, t):
        self.weights[name] = t
        return t

    def node(self, name, op, args, attrs, t):
        parts = []
        for a in args:
            parts.append(a.name if isinstance(a, Value) else "%s=%s" % (a[0], a[1].name))
        parts += ["%s=%s" % (k, attr_str(v)) for k, v in attrs.items()]
        self.lines.append("%s = %s(%s)" % (name, op, ", ".join(parts)))
        return Value(name, t)

    def output(self, v):
        self.lines.append("output " + v.name)
        self.result = v.t

    # ---- ops: each emits its line and computes its value with torch ----

    def conv(self, name, x, rank, **attrs):
        out, kernel = attrs["out"], per_dim(attrs["kernel"], rank)
        stride = per_dim(attrs.get("stride", 1), rank)
        dilation = per_dim(attrs.get("dilation", 1), rank)
        groups, has_bias = attrs.get("groups", 1), attrs.get("bias", True)
        cin = x.t.shape[1]
        spatial = list(x.t.shape[2:])
        begin, end = resolve_pad(attrs.get("pad", 0), rank, kernel, stride, dilation, spatial)
        fan_in = cin // groups * math.prod(kernel)
        w = self.param(name + ".weight", self.randn([out, cin // groups] + kernel, 1 / math.sqrt(fan_in)))
        b = self.param(name + ".bias", self.uniform([out], -0.5, 0.5)) if has_bias else None
        xp = F.pad(x.t, torch_pad_order(begin, end))
        f = F.conv1d if rank == 1 else F.conv2d
        return self.node(name, "conv%dd" % rank, [x], attrs, f(xp, w, b, stride, 0, dilation, groups))

    def conv_transpose(self, name, x, rank, **attrs):
        out, kernel = attrs["out"], per_dim(attrs["kernel"], rank)
        groups, has_bias = attrs.get("groups", 1), attrs.get("bias", True)
        cin = x.t.shape[1]
        fan_in = cin // groups * math.prod(kernel)
        w = self.param(name + ".weight", self.randn([cin, out // groups] + kernel, 1 / math.sqrt(fan_in)))
        b = self.param(name + ".bias", self.uniform([out], -0.5, 0.5)) if has_bias else None
        f = F.conv_transpose1d if rank == 1 else F.conv_transpose2d
        t = f(x.t, w, b, per_dim(attrs.get("stride", 1), rank), per_dim(attrs.get("pad", 0), rank),
              per_dim(attrs.get("output_padding", 0), rank), groups, per_dim(attrs.get("dilation", 1), rank))
        return self.node(name, "conv_transpose%dd" % rank, [x], attrs, t)

    def batchnorm(self, name, x, **attrs):
        c = x.t.shape[1]
        w = self.param(name + ".weight", self.uniform([c], 0.5, 1.5))
        b = self.param(name + ".bias", self.uniform([c], -0.5, 0.5))
        mean = self.param(name + ".running_mean", self.uniform([c], -1, 1))
        var = self.param(name + ".running_var", self.uniform([c], 0.25, 2))
        t = F.batch_norm(x.t, mean, var, w, b, training=False, eps=attrs.get("eps", 1e-5))
        return self.node(name, "batchnorm", [x], attrs, t)

    def bias(self, name, x):
        b = self.param(name + ".bias", self.uniform([x.t.shape[1]], -1, 1))
        view = [1, -1] + [1] * (x.t.dim() - 2)
        return self.node(name, "bias", [x], {}, x.t + b.view(view))

    def linear(self, name, x, **attrs):
        out, has_bias = attrs["out"], attrs.get("bias", True)
        fan_in = x.t.shape[1]
        w = self.param(name + ".weight", self.randn([out, fan_in], 1 / math.sqrt(fan_in)))
        b = self.param(name + ".bias", self.uniform([out], -0.5, 0.5)) if has_bias else None
        return self.node(name, "linear", [x], attrs, F.linear(x.t, w, b))

    def unary(self, name, op, x, **attrs):
        fns = {
            "relu": F.relu,
            "relu6": F.relu6,
            "sigmoid": torch.sigmoid,
            "tanh": torch.tanh,
            "leaky_relu": lambda t: F.leaky_relu(t, attrs.get("alpha", 0.01)),
            "softmax": lambda t: torch.softmax(t, attrs.get("axis", 1)),
            "global_avg_pool": lambda t: t.mean(dim=tuple(range(2, t.dim())), keepdim=True),
            "global_max_pool": lambda t: t.amax(dim=tuple(range(2, t.dim())), keepdim=True),
            "flatten": lambda t: t.reshape(math.prod(t.shape[:attrs.get("axis", 1)]), -1),
        }
        return self.node(name, op, [x], attrs, fns[op](x.t))

    def binary(self, name, op, a, b):
        return self.node(name, op, [a, b], {}, a.t + b.t if op == "add" else a.t * b.t)

    def concat(self, name, xs, **attrs):
        return self.node(name, "concat", xs, attrs, torch.cat([x.t for x in xs], attrs.get("axis", 1)))

    def slice(self, name, x, **attrs):
        axis = attrs["axis"] % x.t.dim()
        index = [slice(None)] * x.t.dim()
        index[axis] = slice(attrs.get("start", 0), attrs["end"], attrs.get("step", 1))
        return self.node(name, "slice", [x], attrs, x.t[tuple(index)])

    def copy(self, name, x):
        return self.node(name, "copy", [x], {}, x.t.clone())

    def pad(self, name, x, **attrs):
        rank = x.t.dim() - 2
        begin, end = resolve_pad(attrs["pad"], rank, None, None, None, None)
        mode = {"constant": "constant", "reflect": "reflect", "edge": "replicate"}[attrs.get("mode", "constant")]
        pads = torch_pad_order(begin, end)
        if mode == "constant":
            t = F.pad(x.t, pads, "constant", attrs.get("value", 0.0))
        else:
            t = F.pad(x.t, pads, mode)
        return self.node(name, "pad", [x], attrs, t)

    def pool(self, name, kind, x, rank, **attrs):
        kernel = per_dim(attrs["kernel"], rank)
        stride = per_dim(attrs.get("stride", kernel), rank)
        ceil_mode = attrs.get("ceil_mode", False)
        pad = attrs.get("pad", 0)
        op = "%s_pool%dd" % (kind, rank)
        if kind == "max":
            dilation = per_dim(attrs.get("dilation", 1), rank)
            f = F.max_pool1d if rank == 1 else F.max_pool2d
            if isinstance(pad, str):
                begin, end = resolve_pad(pad, rank, kernel, stride, dilation, list(x.t.shape[2:]))
                xp = F.pad(x.t, torch_pad_order(begin, end), "constant", -math.inf)
                t = f(xp, kernel, stride, 0, dilation, ceil_mode)
            else:
                t = f(x.t, kernel, stride, per_dim(pad, rank), dilation, ceil_mode)
        else:
            f = F.avg_pool1d if rank == 1 else F.avg_pool2d
            t = f(x.t, kernel, stride, per_dim(pad, rank), ceil_mode, attrs.get("count_include_pad", True))
        return self.node(name, op, [x], attrs, t)

    def resize(self, name, x, like=None, **attrs):
        rank = x.t.dim() - 2
        spatial = list(x.t.shape[2:])
        if like is not None:
            size = list(like.t.shape[2:])
        elif "size" in attrs:
            size = per_dim(attrs["size"], rank)
        else:
            size = [math.floor(i * s) for i, s in zip(spatial, per_dim(attrs["scale"], rank))]
        mode = attrs.get("mode", "nearest")
        if mode == "nearest":
            t = F.interpolate(x.t, size=size, mode="nearest")
            check_nearest(x.t, t, spatial, size)
        else:
            t = F.interpolate(x.t, size=size, mode="linear" if rank == 1 else "bilinear",
                              align_corners=attrs.get("align_corners", False))
        args = [x] + ([("like", like)] if like is not None else [])
        return self.node(name, "resize", args, attrs, t)

    def conv_epilogue(self, name, x, rank, act="none", residual=None, alpha=0.01, **attrs):
        # The conv's own line is replaced by one carrying the fused epilogue.
        t = apply_epilogue(self.conv(name, x, rank, **attrs).t, act, residual, alpha)
        self.lines.pop()
        full = dict(attrs, act=act)
        if act == "leaky_relu":
            full["alpha"] = alpha
        args = [x] + ([("residual", residual)] if residual is not None else [])
        return self.node(name, "conv%dd" % rank, args, full, t)

    def winograd(self, name, x, tile, act="none", residual=None, alpha=0.01, bounded=False, **attrs):
        """winograd_conv2d (winograd_conv1d over a sequence): the weight written is
        U = Gy g Gx^T (G g) of a random 3-tap conv kernel g in its blocked layout,
        the golden the conv with g (docs/ops.md, Winograd details)."""
        rank = x.t.dim() - 2
        out, cin = attrs["out"], x.t.shape[1]
        tiles = per_dim(tile, rank)
        dilation = per_dim(attrs.get("dilation", 1), rank)
        begin, end = resolve_pad(attrs.get("pad", 0), rank, [3] * rank, [1] * rank, dilation,
                                 list(x.t.shape[2:]))
        g = self.randn([out, cin] + [3] * rank, 1 / math.sqrt(cin * 3 ** rank))
        if bounded:
            # Bounded tiles (docs/ops.md): U0 = g1, U1 = g2 - g1, U2 = g0 - g1 per axis.
            gb = torch.tensor([[0.0, 1.0, 0.0], [0.0, -1.0, 1.0], [1.0, -1.0, 0.0]], dtype=torch.float64)
            u = torch.einsum("ik,ockl,jl->ijco", gb, g, gb)
        elif rank == 2:
            u = torch.einsum("ik,ockl,jl->ijco", winograd_g(tiles[0]), g, winograd_g(tiles[1]))
        else:
            u = torch.einsum("ik,ock->ico", winograd_g(tiles[0]), g)
        # Stored in blocks of 32 output channels, [ay, ax, blocks, C, 32]
        # ([a, blocks, C, 32] in 1-D), zero-padded.
        blocks = -(-out // 32)
        positions = [3, 3] if bounded else [m + 2 for m in tiles]
        u = F.pad(u, (0, blocks * 32 - out)).reshape(positions + [cin, blocks, 32])
        order = (0, 1, 3, 2, 4) if rank == 2 else (0, 2, 1, 3)
        self.param(name + ".weight", u.permute(*order).contiguous().float().double())
        b = self.param(name + ".bias", self.uniform([out], -0.5, 0.5)) if attrs.get("bias", True) else None
        conv = F.conv2d if rank == 2 else F.conv1d
        t = conv(F.pad(x.t, torch_pad_order(begin, end)), g, b, 1, 0, dilation)
        t = apply_epilogue(t, act, residual, alpha)
        full = dict(attrs, tile=tile)
        if bounded:
            full["bounded"] = True
        if act != "none":
            full["act"] = act
        if act == "leaky_relu":
            full["alpha"] = alpha
        args = [x] + ([("residual", residual)] if residual is not None else [])
        return self.node(name, "winograd_conv%dd" % rank, args, full, t)

    def interleave(self, name, xs, stride, size):
        rank = len(size)
        t = torch.zeros(list(xs[0].t.shape[:2]) + list(size), dtype=torch.float64)
        for p, x in enumerate(xs):
            offsets, rest = [], p
            for d in reversed(range(rank)):
                offsets.insert(0, rest % stride[d])
                rest //= stride[d]
            index = [slice(None), slice(None)]
            source = [slice(None), slice(None)]
            for d in range(rank):
                index.append(slice(offsets[d], None, stride[d]))
                source.append(slice(0, len(range(offsets[d], size[d], stride[d]))))
            t[tuple(index)] = x.t[tuple(source)]
        return self.node(name, "interleave", xs, {"stride": stride, "size": size}, t)

    def resize_argmax(self, name, x, size, **attrs):
        rank = x.t.dim() - 2
        mode = attrs.get("mode", "nearest")
        if mode == "nearest":
            r = F.interpolate(x.t, size=size, mode="nearest")
        else:
            r = F.interpolate(x.t, size=size, mode="linear" if rank == 1 else "bilinear",
                              align_corners=attrs.get("align_corners", False))
        top2 = torch.topk(r, 2, 1).values
        self.argmax_margin = min(self.argmax_margin, (top2.select(1, 0) - top2.select(1, 1)).min().item())
        t = torch.argmax(r, 1, keepdim=attrs.get("keepdims", True)).int()
        return self.node(name, "resize_argmax", [x], dict(attrs, size=size), t)

    def argmax(self, name, x, **attrs):
        axis = attrs.get("axis", 1)
        top2 = torch.topk(x.t, 2, axis).values
        gap = (top2.select(axis, 0) - top2.select(axis, 1)).min().item()
        self.argmax_margin = min(self.argmax_margin, gap)
        t = torch.argmax(x.t, axis, keepdim=attrs.get("keepdims", True)).int()
        return self.node(name, "argmax", [x], attrs, t)

    def reshape(self, name, x, **attrs):
        shape = [x.t.shape[i] if d == 0 else d for i, d in enumerate(attrs["shape"])]
        return self.node(name, "reshape", [x], attrs, x.t.reshape(shape))


# The finite interpolation points of F(m, 3), as docs/ops.md lists them.
WINOGRAD_POINTS = {2: [0.0, 1.0, -1.0], 3: [0.0, 1.0, -1.0, 2.0], 4: [0.0, 1.0, -1.0, 0.5, -2.0],
                   5: [0.0, 1.0, -1.0, 0.5, -0.5, 2.0], 6: [0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0]}


def winograd_g(m):
    """G of F(m, 3) (alpha x 3): G[j][k] = p_j^k / prod_{l != j} (p_j - p_l), and
    [0, 0, 1] for the point at infinity."""
    points = WINOGRAD_POINTS[m]
    rows = [[p ** k / math.prod(p - q for q in points if q != p) for k in range(3)] for p in points]
    return torch.tensor(rows + [[0.0, 0.0, 1.0]], dtype=torch.float64)


def resolve_pad(pad, rank, kernel, stride, dilation, spatial):
    """Begin and end padding per spatial dim, as docs/ops.md defines them."""
    if pad == "valid":
        return [0] * rank, [0] * rank
    if pad == "causal":
        return [dilation[d] * (kernel[d] - 1) for d in range(rank)], [0] * rank
    if pad == "same":
        begin, end = [], []
        for d in range(rank):
            out = -(-spatial[d] // stride[d])
            total = max(0, (out - 1) * stride[d] + dilation[d] * (kernel[d] - 1) + 1 - spatial[d])
            begin.append(total // 2)
            end.append(total - total // 2)
        return begin, end
    p = list(pad) if isinstance(pad, (list, tuple)) else [pad]
    if len(p) == 1:
        p = p * rank
    if len(p) == rank:
        return p, p
    assert len(p) == 2 * rank
    return p[:rank], p[rank:]


def torch_pad_order(begin, end):
    """F.pad wants (last-dim begin, last-dim end, previous dim begin, ...)."""
    pads = []
    for d in reversed(range(len(begin))):
        pads += [begin[d], end[d]]
    return pads


def check_nearest(x, y, spatial, size):
    """PyTorch computes the nearest source index in float; make sure that
    agrees with the exact rule of docs/ops.md for the sizes used here."""
    index = [torch.tensor([min(o * i // n, i - 1) for o in range(n)]) for i, n in zip(spatial, size)]
    exact = x.index_select(2, index[0])
    if len(index) == 2:
        exact = exact.index_select(3, index[1])
    assert torch.equal(exact, y), "nearest index rule disagrees with PyTorch"


# ---------------------------------------------------------------- cases ----

def conv2d_case(name, shape, **attrs):
    def build(m):
        x = m.input("x", shape)
        m.output(m.conv("c", x, 2, **attrs))

    build.__name__ = name
    case(build)


def conv1d_case(name, shape, **attrs):
    def build(m):
        x = m.input("x", shape)
        m.output(m.conv("c", x, 1, **attrs))

    build.__name__ = name
    case(build)


conv2d_case("conv2d_k1", [1, 6, 5, 4], out=5, kernel=1)
conv2d_case("conv2d_k3_pad1", [1, 3, 8, 8], out=4, kernel=3, pad=1)
conv2d_case("conv2d_k5_pad2", [1, 3, 9, 10], out=4, kernel=5, pad=2)
conv2d_case("conv2d_k3_stride2", [1, 3, 9, 8], out=4, kernel=3, stride=2, pad=1)
conv2d_case("conv2d_k3_stride3_nopad", [1, 3, 11, 10], out=3, kernel=3, stride=3)
conv2d_case("conv2d_k3_dil2", [1, 3, 9, 7], out=4, kernel=3, dilation=2, pad=2)
conv2d_case("conv2d_k3_dil4", [1, 4, 12, 11], out=3, kernel=3, dilation=4, pad=4)
conv2d_case("conv2d_k3_dil6", [1, 4, 15, 15], out=4, kernel=3, dilation=6, pad=6)
conv2d_case("conv2d_k3_dil12_small_map", [1, 4, 9, 9], out=4, kernel=3, dilation=12, pad=12)
conv2d_case("conv2d_k3_dil2_stride2", [1, 3, 13, 12], out=4, kernel=3, dilation=2, stride=2, pad=2)
conv2d_case("conv2d_per_dim_kernel_pad", [1, 3, 9, 8], out=4, kernel=[3, 1], pad=[1, 0], dilation=[2, 1])
conv2d_case("conv2d_per_dim_stride_dilation", [1, 3, 10, 11], out=3, kernel=3, stride=[1, 2], dilation=[3, 1],
            pad=[3, 1])
conv2d_case("conv2d_asym_pad", [1, 3, 9, 7], out=4, kernel=3, dilation=2, pad=[1, 2, 0, 3])
conv2d_case("conv2d_same_stride1", [1, 3, 9, 7], out=4, kernel=3, dilation=3, pad="same")
conv2d_case("conv2d_same_stride2", [1, 3, 9, 8], out=4, kernel=3, stride=2, pad="same")
conv2d_case("conv2d_same_even_kernel", [1, 3, 9, 7], out=4, kernel=4, stride=2, pad="same")
conv2d_case("conv2d_valid", [1, 3, 8, 7], out=2, kernel=[3, 2], pad="valid")
conv2d_case("conv2d_groups2", [1, 4, 8, 7], out=6, kernel=3, pad=1, groups=2)
conv2d_case("conv2d_depthwise", [1, 6, 9, 8], out=6, kernel=3, pad=2, dilation=2, groups=6)
conv2d_case("conv2d_depthwise_multiplier", [1, 3, 7, 7], out=6, kernel=3, pad=1, stride=2, groups=3)
conv2d_case("conv2d_no_bias", [1, 5, 7, 6], out=4, kernel=3, pad=1, bias=False)
conv2d_case("conv2d_odd_7x5", [1, 3, 7, 5], out=4, kernel=3, stride=2, pad=1)
conv2d_case("conv2d_1x1_spatial", [1, 8, 1, 1], out=5, kernel=1)
conv2d_case("conv2d_1x1_spatial_k3_pad", [1, 4, 1, 1], out=3, kernel=3, pad=1, dilation=1)
conv2d_case("conv2d_batch2", [2, 3, 6, 5], out=4, kernel=3, pad=1)

conv1d_case("conv1d_k3", [1, 4, 20], out=5, kernel=3, pad=1)
conv1d_case("conv1d_dil2_stride2", [1, 3, 25], out=4, kernel=3, dilation=2, stride=2, pad=2)
conv1d_case("conv1d_causal_k2_dil4", [1, 4, 24], out=4, kernel=2, dilation=4, pad="causal")
conv1d_case("conv1d_causal_k3_dil8", [1, 3, 30], out=5, kernel=3, dilation=8, pad="causal")
conv1d_case("conv1d_asym_pad", [1, 3, 17], out=4, kernel=5, pad=[3, 1])
conv1d_case("conv1d_same_stride3", [1, 3, 20], out=4, kernel=4, stride=3, pad="same")
conv1d_case("conv1d_groups2_no_bias", [1, 6, 19], out=4, kernel=3, dilation=3, pad=3, groups=2, bias=False)
conv1d_case("conv1d_depthwise", [1, 5, 16], out=5, kernel=5, pad=2, groups=5)


def conv_transpose_case(name, rank, shape, **attrs):
    def build(m):
        x = m.input("x", shape)
        m.output(m.conv_transpose("t", x, rank, **attrs))

    build.__name__ = name
    case(build)


conv_transpose_case("conv_transpose2d_k4_s2_p1", 2, [1, 4, 5, 6], out=3, kernel=4, stride=2, pad=1)
conv_transpose_case("conv_transpose2d_k3_s3", 2, [1, 3, 4, 5], out=2, kernel=3, stride=3)
conv_transpose_case("conv_transpose2d_output_padding", 2, [1, 3, 5, 4], out=3, kernel=3, stride=2, pad=1,
                    output_padding=1)
conv_transpose_case("conv_transpose2d_dilation", 2, [1, 3, 6, 5], out=2, kernel=3, dilation=2, pad=1)
conv_transpose_case("conv_transpose2d_dilation_output_padding", 2, [1, 2, 5, 5], out=3, kernel=2, dilation=3,
                    output_padding=2)
conv_transpose_case("conv_transpose2d_groups2", 2, [1, 4, 5, 4], out=6, kernel=3, stride=2, groups=2)
conv_transpose_case("conv_transpose2d_odd_7x5", 2, [1, 3, 7, 5], out=2, kernel=5, stride=2, pad=2,
                    output_padding=1, bias=False)
conv_transpose_case("conv_transpose2d_per_dim", 2, [1, 3, 5, 6], out=2, kernel=[3, 2], stride=[2, 3],
                    pad=[1, 0], output_padding=[1, 2])
conv_transpose_case("conv_transpose2d_depthwise_s2", 2, [1, 4, 4, 4], out=4, kernel=4, stride=2, pad=1, groups=4)
conv_transpose_case("conv_transpose1d_k4_s2_p1", 1, [1, 4, 12], out=3, kernel=4, stride=2, pad=1)
conv_transpose_case("conv_transpose1d_s3_output_padding2", 1, [1, 3, 9], out=2, kernel=3, stride=3,
                    output_padding=2)
conv_transpose_case("conv_transpose1d_dil3_groups2", 1, [1, 4, 10], out=6, kernel=3, dilation=3, stride=2,
                    pad=2, groups=2)


@case
def batchnorm_2d(m):
    m.output(m.batchnorm("bn", m.input("x", [1, 5, 6, 7])))


@case
def batchnorm_1d_eps(m):
    m.output(m.batchnorm("bn", m.input("x", [2, 4, 15]), eps=0.001))


@case
def bias_2d(m):
    m.output(m.bias("b", m.input("x", [1, 5, 4, 6])))


@case
def bias_1d(m):
    m.output(m.bias("b", m.input("x", [1, 6, 11])))


def unary_case(name, op, shape, scale=1.0, **attrs):
    def build(m):
        m.output(m.unary("y", op, m.input("x", shape, scale), **attrs))

    build.__name__ = name
    case(build)


unary_case("relu", "relu", [1, 4, 6, 5])
unary_case("relu6", "relu6", [1, 4, 6, 5], scale=5.0)
unary_case("leaky_relu_alpha02", "leaky_relu", [1, 4, 6, 5], alpha=0.2)
unary_case("leaky_relu_default", "leaky_relu", [1, 3, 20])
unary_case("sigmoid", "sigmoid", [1, 4, 6, 5], scale=4.0)
unary_case("tanh", "tanh", [1, 4, 6, 5], scale=3.0)
unary_case("softmax_axis1", "softmax", [1, 5, 4, 6], scale=3.0)
unary_case("softmax_axis_last", "softmax", [2, 3, 4, 7], scale=3.0, axis=-1)
unary_case("softmax_rank2", "softmax", [3, 10], scale=5.0)
unary_case("global_avg_pool_2d", "global_avg_pool", [1, 6, 9, 7])
unary_case("global_avg_pool_1d", "global_avg_pool", [2, 4, 19])
unary_case("global_max_pool_2d", "global_max_pool", [1, 6, 9, 7])
unary_case("global_max_pool_1d", "global_max_pool", [2, 4, 19])
unary_case("flatten_axis1", "flatten", [2, 3, 4, 5])
unary_case("flatten_axis2", "flatten", [2, 3, 4, 5], axis=2)


def binary_case(name, op, shape_a, shape_b):
    def build(m):
        a = m.input("a", shape_a)
        b = m.input("b", shape_b)
        m.output(m.binary("y", op, a, b))

    build.__name__ = name
    case(build)


binary_case("add_same_shape", "add", [1, 4, 5, 6], [1, 4, 5, 6])
binary_case("add_broadcast_channel", "add", [1, 4, 5, 6], [1, 4, 1, 1])
binary_case("add_broadcast_first", "add", [1, 4, 1, 1], [1, 4, 5, 6])
binary_case("mul_broadcast_channel", "mul", [1, 4, 5, 6], [1, 4, 1, 1])
binary_case("mul_broadcast_both", "mul", [1, 3, 1, 6], [1, 1, 5, 1])
binary_case("mul_broadcast_rank", "mul", [2, 3, 7], [7])


@case
def concat_axis1(m):
    a = m.input("a", [1, 2, 5, 4])
    b = m.input("b", [1, 3, 5, 4])
    c = m.input("c", [1, 1, 5, 4])
    m.output(m.concat("y", [a, b, c]))


@case
def concat_axis2(m):
    a = m.input("a", [1, 3, 2, 5])
    b = m.input("b", [1, 3, 4, 5])
    m.output(m.concat("y", [a, b], axis=2))


@case
def slice_channels(m):
    m.output(m.slice("s", m.input("x", [1, 8, 4, 5]), axis=1, start=2, end=6))


@case
def copy_values(m):
    m.output(m.copy("c", m.unary("r", "relu", m.input("x", [1, 16, 5, 7]))))


@case
def slice_negative(m):
    m.output(m.slice("s", m.input("x", [1, 3, 9, 7]), axis=2, start=-7, end=-1))


@case
def slice_step2(m):
    m.output(m.slice("s", m.input("x", [1, 3, 6, 11]), axis=3, start=1, end=100, step=2))


@case
def slice_negative_axis_step3(m):
    m.output(m.slice("s", m.input("x", [1, 4, 20]), axis=-1, start=-19, end=18, step=3))


@case
def pad_constant(m):
    m.output(m.pad("p", m.input("x", [1, 3, 4, 5]), pad=[1, 2, 0, 3], value=1.5))


@case
def pad_constant_default_zero(m):
    m.output(m.pad("p", m.input("x", [1, 2, 5, 4]), pad=2))


@case
def pad_reflect(m):
    m.output(m.pad("p", m.input("x", [1, 3, 5, 6]), pad=[2, 1, 3, 4], mode="reflect"))


@case
def pad_edge(m):
    m.output(m.pad("p", m.input("x", [1, 3, 4, 5]), pad=[3, 0, 1, 2], mode="edge"))


@case
def pad_reflect_1d(m):
    m.output(m.pad("p", m.input("x", [1, 3, 10]), pad=[4, 2], mode="reflect"))


@case
def pad_edge_1d_per_dim(m):
    m.output(m.pad("p", m.input("x", [1, 2, 8]), pad=[3], mode="edge"))


def pool_case(name, kind, rank, shape, offset=0.0, **attrs):
    def build(m):
        x = m.input("x", shape, offset=offset)
        m.output(m.pool("p", kind, x, rank, **attrs))

    build.__name__ = name
    case(build)


pool_case("max_pool2d_k2", "max", 2, [1, 3, 8, 6], kernel=2)
pool_case("max_pool2d_k3_s2_p1", "max", 2, [1, 3, 9, 8], kernel=3, stride=2, pad=1)
pool_case("max_pool2d_ceil_mode", "max", 2, [1, 3, 8, 7], kernel=3, stride=2, ceil_mode=True)
pool_case("max_pool2d_ceil_mode_drop_last", "max", 2, [1, 2, 5, 5], kernel=2, stride=2, pad=1, ceil_mode=True)
pool_case("max_pool2d_dilation", "max", 2, [1, 3, 9, 9], kernel=3, stride=1, pad=1, dilation=2)
pool_case("max_pool2d_per_dim", "max", 2, [1, 2, 9, 10], kernel=[3, 2], stride=[2, 1], pad=[1, 0])
pool_case("max_pool2d_same_even", "max", 2, [1, 2, 7, 8], kernel=2, stride=2, pad="same")
# All inputs negative: max pool padding must never win (it is -inf, not 0).
pool_case("max_pool2d_negative_inputs", "max", 2, [1, 2, 6, 6], offset=-5.0, kernel=3, stride=2, pad=1)
pool_case("avg_pool2d_k2", "avg", 2, [1, 3, 8, 6], kernel=2)
pool_case("avg_pool2d_count_pad", "avg", 2, [1, 3, 9, 8], kernel=3, stride=2, pad=1)
pool_case("avg_pool2d_exclude_pad", "avg", 2, [1, 3, 9, 8], kernel=3, stride=2, pad=1, count_include_pad=False)
pool_case("avg_pool2d_ceil_count_pad", "avg", 2, [1, 2, 8, 8], kernel=3, stride=2, pad=1, ceil_mode=True)
pool_case("avg_pool2d_ceil_exclude_pad", "avg", 2, [1, 2, 8, 7], kernel=3, stride=2, pad=1, ceil_mode=True,
          count_include_pad=False)
pool_case("avg_pool2d_ceil_nopad", "avg", 2, [1, 2, 7, 7], kernel=2, ceil_mode=True)
pool_case("max_pool1d_k3_s2_p1", "max", 1, [1, 3, 17], kernel=3, stride=2, pad=1)
pool_case("max_pool1d_dilation_ceil", "max", 1, [1, 2, 16], kernel=2, stride=3, dilation=3, ceil_mode=True)
pool_case("avg_pool1d_exclude_pad", "avg", 1, [1, 3, 15], kernel=4, stride=3, pad=2, count_include_pad=False)
pool_case("avg_pool1d_ceil", "avg", 1, [1, 3, 14], kernel=3, stride=2, pad=1, ceil_mode=True)


def resize_case(name, shape, like_shape=None, **attrs):
    def build(m):
        x = m.input("x", shape)
        like = m.input("y", like_shape) if like_shape else None
        m.output(m.resize("r", x, like, **attrs))

    build.__name__ = name
    case(build)


resize_case("resize_nearest_size", [1, 3, 4, 5], size=[8, 10])
resize_case("resize_nearest_scale2", [1, 2, 5, 4], scale=2.0)
resize_case("resize_nearest_like_odd", [1, 3, 4, 5], like_shape=[1, 2, 9, 11])
resize_case("resize_nearest_down_7_3", [1, 2, 7, 7], size=3)
resize_case("resize_nearest_scale_frac", [1, 2, 6, 5], scale=[1.5, 0.5])
resize_case("resize_nearest_1d", [1, 3, 5], size=12)
resize_case("resize_bilinear_align_up_5_7", [1, 2, 5, 6], mode="bilinear", align_corners=True, size=[7, 11])
resize_case("resize_bilinear_half_pixel_up_5_7", [1, 2, 5, 6], mode="bilinear", size=[7, 11])
resize_case("resize_bilinear_align_down_7_3", [1, 2, 7, 9], mode="bilinear", align_corners=True, size=[3, 4])
resize_case("resize_bilinear_half_pixel_down_7_3", [1, 2, 7, 9], mode="bilinear", size=[3, 4])
resize_case("resize_bilinear_scale2", [1, 3, 6, 5], mode="bilinear", scale=2.0)
resize_case("resize_bilinear_to_one_row", [1, 2, 5, 6], mode="bilinear", align_corners=True, size=[1, 4])
resize_case("resize_bilinear_like_align", [1, 3, 5, 5], like_shape=[1, 1, 17, 13], mode="bilinear",
            align_corners=True)
resize_case("resize_linear_1d_half_pixel", [1, 3, 5], mode="bilinear", size=12)
resize_case("resize_linear_1d_align_down", [1, 3, 9], mode="bilinear", align_corners=True, size=4)


@case
def argmax_axis1(m):
    m.output(m.argmax("a", m.input("x", [1, 5, 6, 7]), keepdims=False))


@case
def argmax_keepdims_last_axis(m):
    m.output(m.argmax("a", m.input("x", [2, 3, 9]), axis=2))


@case
def reshape_infer(m):
    m.output(m.reshape("r", m.input("x", [1, 4, 6, 5]), shape=[0, -1, 5]))


@case
def reshape_to_rank2(m):
    m.output(m.reshape("r", m.input("x", [2, 3, 4, 5]), shape=[-1, 20]))


@case
def linear(m):
    m.output(m.linear("l", m.input("x", [3, 20]), out=7))


@case
def linear_no_bias(m):
    m.output(m.linear("l", m.input("x", [2, 12]), out=5, bias=False))


# ------------------------------------------------------------- chains ----

@case
def chain_conv_bn_relu_pool(m):
    x = m.input("x", [1, 3, 12, 11])
    c = m.conv("c", x, 2, out=6, kernel=3, pad=1, bias=False)
    bn = m.batchnorm("bn", c)
    r = m.unary("r", "relu", bn)
    m.output(m.pool("p", "max", r, 2, kernel=3, stride=2, pad=1))


@case
def chain_aspp(m):
    feat = m.input("feat", [1, 6, 13, 13])
    b0 = m.unary("b0", "relu", m.conv("b0c", feat, 2, out=4, kernel=1))
    b1 = m.unary("b1", "relu", m.conv("b1c", feat, 2, out=4, kernel=3, dilation=2, pad=2))
    b2 = m.unary("b2", "relu", m.conv("b2c", feat, 2, out=4, kernel=3, dilation=6, pad=6))
    b3 = m.unary("b3", "relu", m.conv("b3c", feat, 2, out=4, kernel=3, dilation=12, pad=12))
    pool = m.unary("pool", "global_avg_pool", feat)
    b4 = m.unary("b4", "relu", m.conv("b4c", pool, 2, out=4, kernel=1))
    b4 = m.resize("b4r", b4, feat, mode="bilinear")
    cat = m.concat("cat", [b0, b1, b2, b3, b4])
    proj = m.batchnorm("projbn", m.conv("proj", cat, 2, out=5, kernel=1, bias=False))
    m.output(m.unary("out", "relu", proj))


@case
def chain_wavenet_gated(m):
    x = m.input("x", [1, 6, 32])
    h = m.conv("h", x, 1, out=12, kernel=2, dilation=4, pad="causal")
    a = m.slice("a", h, axis=1, start=0, end=6)
    b = m.slice("b", h, axis=1, start=6, end=12)
    g = m.binary("g", "mul", m.unary("ta", "tanh", a), m.unary("sb", "sigmoid", b))
    r = m.conv("res", g, 1, out=6, kernel=1)
    m.output(m.binary("y", "add", x, r))


@case
def chain_decoder_upsample(m):
    x = m.input("x", [1, 4, 5, 6])
    skip = m.input("skip", [1, 3, 10, 12])
    up = m.conv_transpose("up", x, 2, out=4, kernel=4, stride=2, pad=1, bias=False)
    up = m.unary("act", "leaky_relu", m.bias("ub", up), alpha=0.1)
    cat = m.concat("cat", [up, skip])
    logits = m.conv("cls", cat, 2, out=3, kernel=3, pad="same")
    m.output(m.unary("prob", "softmax", m.resize("big", logits, scale=2.0, mode="bilinear")))


@case
def chain_segment_argmax(m):
    x = m.input("x", [1, 4, 7, 6])
    logits = m.conv("cls", x, 2, out=5, kernel=3, dilation=2, pad=2)
    big = m.resize("big", logits, size=[13, 11], mode="bilinear", align_corners=True)
    m.output(m.argmax("label", big, keepdims=False))


@case
def chain_classifier_head(m):
    x = m.input("x", [2, 4, 6, 6])
    c = m.unary("r", "relu6", m.conv("c", x, 2, out=6, kernel=3, stride=2, pad=1))
    p = m.pool("p", "avg", c, 2, kernel=3)
    f = m.unary("f", "flatten", p)
    m.output(m.linear("fc", f, out=3))


@case
def conv2d_epilogue_residual_relu(m):
    x = m.input("x", [1, 3, 7, 6])
    skip = m.input("skip", [1, 4, 1, 6])
    m.output(m.conv_epilogue("c", x, 2, act="relu", residual=skip, out=4, kernel=3, dilation=2, pad=2))


@case
def conv2d_epilogue_leaky(m):
    x = m.input("x", [1, 2, 6, 6])
    m.output(m.conv_epilogue("c", x, 2, act="leaky_relu", alpha=0.2, out=3, kernel=3, pad=1))


@case
def conv1d_epilogue_gated(m):
    x = m.input("x", [1, 4, 20])
    m.output(m.conv_epilogue("c", x, 1, act="gated", out=6, kernel=2, dilation=3, pad="causal"))


@case
def interleave_2d(m):
    phases = [m.input("p%d" % i, [1, 2, 3, 4]) for i in range(4)]
    m.output(m.interleave("y", phases, [2, 2], [5, 7]))


@case
def interleave_1d_stride3(m):
    phases = [m.input("p%d" % i, [1, 2, 4]) for i in range(3)]
    m.output(m.interleave("y", phases, [3], [11]))


@case
def resize_argmax_bilinear(m):
    x = m.input("x", [1, 5, 4, 5])
    m.output(m.resize_argmax("label", x, [9, 11], mode="bilinear", align_corners=True, keepdims=False))


@case
def resize_argmax_nearest_keepdims(m):
    x = m.input("x", [1, 4, 3, 4])
    m.output(m.resize_argmax("label", x, [7, 8]))


@case
def winograd_conv2d_tile2(m):
    x = m.input("x", [1, 4, 9, 8])
    m.output(m.winograd("c", x, 2, out=5, pad=1))


@case
def winograd_conv2d_tile4_dil3(m):
    # Rate 3 on 13 x 11: residues with 5 and 4 q's (rows), 4 and 3 (columns).
    x = m.input("x", [1, 3, 13, 11])
    m.output(m.winograd("c", x, 4, out=4, dilation=3, pad=[2, 3, 4, 1], bias=False))


@case
def winograd_conv2d_wide_tiles(m):
    # F(5x6, 3x3) at rates 3 and 2 on 19 x 23: row residues with 7 and 6 q's
    # (two tiles of 5), column residues with 12 and 11 (two of 6).
    x = m.input("x", [1, 6, 19, 23])
    m.output(m.winograd("c", x, [5, 6], act="relu", out=7, dilation=[3, 2], pad="same"))


@case
def winograd_conv2d_bounded(m):
    # Bounded tiles at rates 7 and 9 on 13 x 17: residues of two outputs and
    # of one, the end padding explicit on one axis.
    x = m.input("x", [1, 5, 13, 17])
    m.output(m.winograd("c", x, 2, bounded=True, act="relu", out=6, dilation=[7, 9], pad=[7, 9, 7, 3]))


@case
def winograd_conv2d_mixed_epilogue(m):
    x = m.input("x", [2, 3, 10, 12])
    skip = m.input("skip", [2, 6, 10, 1])
    m.output(m.winograd("c", x, [3, 4], act="leaky_relu", alpha=0.2, residual=skip, out=6,
                        dilation=[2, 1], pad="same"))


@case
def winograd_conv1d_causal_dilated(m):
    # Rate 4 over 23 samples: residues with 6 and 5 q's; 40 output channels,
    # a block and a part.
    x = m.input("x", [2, 5, 23])
    skip = m.input("skip", [2, 40, 23])
    m.output(m.winograd("c", x, 4, act="relu", residual=skip, out=40, dilation=4, pad="causal"))


# ----------------------------------------------------------- writing ----

def write_safetensors(path, weights):
    header, blobs, offset = {}, [], 0
    for name, t in weights.items():
        data = t.float().contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def build_case(fn):
    """Builds a case, drawing new random values while an argmax in it sees a
    near-tie, where an f32 evaluation could rightly pick another index."""
    for attempt in range(100):
        m = Model(fn.__name__, attempt)
        fn(m)
        if m.argmax_margin >= MIN_ARGMAX_MARGIN:
            return m
    raise RuntimeError(fn.__name__ + ": every seed gives an argmax near-tie")


def write_case(outdir, m):
    d = os.path.join(outdir, m.name)
    os.makedirs(d)
    with open(os.path.join(d, "model.atr"), "w") as f:
        f.write("\n".join(m.lines) + "\n")
    if m.weights:
        write_safetensors(os.path.join(d, "weights.safetensors"), m.weights)
    names = ["input.npy"] if len(m.inputs) == 1 else ["input%d.npy" % i for i in range(len(m.inputs))]
    for name, t in zip(names, m.inputs):
        np.save(os.path.join(d, name), t.float().numpy().astype("<f4"))
    result = m.result
    out = result.numpy().astype("<i4") if result.dtype == torch.int32 else result.float().numpy().astype("<f4")
    np.save(os.path.join(d, "output.npy"), np.ascontiguousarray(out))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "tests", "golden")
    names = [fn.__name__ for fn in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    os.makedirs(outdir, exist_ok=True)
    for entry in os.listdir(outdir):
        if os.path.isdir(os.path.join(outdir, entry)):
            shutil.rmtree(os.path.join(outdir, entry))
    total = 0
    for fn in CASES:
        m = build_case(fn)
        for t in m.inputs:
            assert t.numel() <= 4096, m.name + ": input too large"
        write_case(outdir, m)
        d = os.path.join(outdir, m.name)
        total += sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
    print("%d cases, %d bytes in %s" % (len(CASES), total, outdir))


if __name__ == "__main__":
    main()
