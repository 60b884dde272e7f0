#!/usr/bin/python3
"""PyTorch definitions of the models in models/, for the benchmark peers
(PyTorch itself, and ONNX Runtime on the ONNX exported from these) and for the
ONNX importer's tests.

Each nn.Module mirrors its .atr file statement by statement, and its
state_dict names and shapes are exactly the .atr model's parameter names
(`<node>.weight`, `<bn>.running_mean`, ...; docs/ops.md "Weights"), so one
safetensors file -- e.g. the one `atrousc run --weights random:1
--save-weights w.safetensors` writes -- loads into both. Where the .atr
names a node after a nested call (`stem = relu(batchnorm(conv2d(...)))`
gives `stem.conv2d` and `stem.batchnorm`), the module has a child of that
name holding the nested layers (a `Scope`). tests/torch_models/check_torch_models.py
checks that these modules compute what the reference interpreter does.

Use with /usr/bin/python3 (torch, numpy; onnx only to export):
    import torch_models as tm
    model = tm.build("deeplabv3plus")
    tm.load_safetensors(model, "w.safetensors")
    y = model(torch.from_numpy(x))
    tm.export_onnx(model, tm.input_shape("deeplabv3plus", 65), "deeplab.onnx")
or from the command line:
    torch_models.py export NAME SIZE|full WEIGHTS.safetensors OUT.onnx
"""

import json
import struct
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

# ------------------------------------------------------------ safetensors ----

_DTYPES = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I32": "<i4", "I64": "<i8"}


def read_safetensors(path):
    """{name: numpy array} of a safetensors file (F32, F64, F16, BF16, I32, I64)."""
    with open(path, "rb") as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError("%s: not a safetensors file (too short)" % path)
    (size,) = struct.unpack("<Q", blob[:8])
    if 8 + size > len(blob):
        raise ValueError("%s: header of %d bytes runs past the end of the file" % (path, size))
    header = json.loads(blob[8:8 + size])
    data = memoryview(blob)[8 + size:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        raw = data[begin:end]
        if entry["dtype"] == "BF16":
            bits = np.frombuffer(raw, "<u2").astype(np.uint32) << 16
            array = bits.view(np.float32)
        elif entry["dtype"] in _DTYPES:
            array = np.frombuffer(raw, _DTYPES[entry["dtype"]])
        else:
            raise ValueError("%s: tensor '%s' has unsupported dtype %s" % (path, name, entry["dtype"]))
        tensors[name] = array.reshape(entry["shape"]).copy()
    return tensors


def load_safetensors(module, path):
    """Loads a safetensors file into a module. Every state_dict entry must be
    there with its exact shape and nothing else may be (as atrousc requires)."""
    tensors = read_safetensors(path)
    state = module.state_dict()
    missing = sorted(set(state) - set(tensors))
    extra = sorted(set(tensors) - set(state))
    if missing or extra:
        raise ValueError("%s does not match %s: missing %s, extra %s" %
                         (path, type(module).__name__, missing[:5], extra[:5]))
    for name, array in tensors.items():
        if tuple(array.shape) != tuple(state[name].shape):
            raise ValueError("%s: '%s' has shape %s, expected %s" %
                             (path, name, list(array.shape), list(state[name].shape)))
        state[name] = torch.from_numpy(array.astype(np.float32))
    module.load_state_dict(state, strict=True)
    return module


# ------------------------------------------------------------ building blocks ----

class Scope(nn.Module):
    """A named group of layers: the `NAME.<op>` nodes of one .atr statement."""

    def __init__(self, **layers):
        super().__init__()
        for name, layer in layers.items():
            self.add_module(name, layer)


def conv(cin, cout, k, stride=1, dilation=1, pad=0, bias=True):
    return nn.Conv2d(cin, cout, k, stride, pad, dilation, bias=bias)


class BatchNorm2d(nn.BatchNorm2d):
    """Inference batchnorm whose state_dict holds only the four tensors of an
    .atr batchnorm: no num_batches_tracked counter."""

    def __init__(self, c):
        super().__init__(c, eps=1e-5)
        self.register_buffer("num_batches_tracked", None)


def bn(c):
    return BatchNorm2d(c)


class CausalConv1d(nn.Conv1d):
    """conv1d(pad=causal): dilation * (k - 1) zeros before the sequence. Done
    as the symmetric padding Conv1d has and a slice dropping the outputs
    past the end, which exports to ONNX as one Conv and one Slice (F.pad
    exports as a dozen shape-computing nodes); the dropped outputs are 0.6% of
    WaveNet's gate convs."""

    def __init__(self, cin, cout, k, dilation=1):
        super().__init__(cin, cout, k, dilation=dilation, padding=dilation * (k - 1))

    def forward(self, x):
        return super().forward(x)[:, :, :x.shape[2]]


def resize_like(x, like):
    return F.interpolate(x, size=like.shape[2:], mode="bilinear", align_corners=False)


# ------------------------------------------------------------ ResNet blocks, DeepLab v3+ ----

class BasicBlock(nn.Module):
    """The ResNet basic block of deeplabv3plus.atr (`basic`, `basic_proj`) and
    linknet.atr (`basic`, `basic_down`); `down` adds the projection shortcut."""

    def __init__(self, cin, ch, stride, rate, down):
        super().__init__()
        self.c1 = conv(cin, ch, 3, stride, rate, rate, bias=False)
        self.r1 = Scope(batchnorm=bn(ch))
        self.c2 = conv(ch, ch, 3, 1, rate, rate, bias=False)
        self.bn2 = bn(ch)
        if down:
            self.down = conv(cin, ch, 1, stride, bias=False)
            self.short = bn(ch)

    def forward(self, x):
        y = self.bn2(self.c2(F.relu(self.r1.batchnorm(self.c1(x)))))
        short = self.short(self.down(x)) if hasattr(self, "down") else x
        return F.relu(y + short)


class AsppBranch(nn.Module):
    def __init__(self, cin, rate):
        super().__init__()
        self.c = conv(cin, 128, 3, 1, rate, rate, bias=False)
        self.bn = bn(128)

    def forward(self, x):
        return F.relu(self.bn(self.c(x)))


def conv_bn(cin, cout, k, pad=0, stride=1):
    """`NAME = relu(batchnorm(conv2d(...)))`: nodes NAME.conv2d, NAME.batchnorm."""
    return Scope(conv2d=conv(cin, cout, k, stride, 1, pad, bias=False), batchnorm=bn(cout))


def conv_bn_relu(scope, x):
    return F.relu(scope.batchnorm(scope.conv2d(x)))


class DeepLabV3Plus(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 64, 7, pad=3, stride=2)
        self.layer1_0 = BasicBlock(64, 64, 1, 1, False)
        self.layer1_1 = BasicBlock(64, 64, 1, 1, False)
        self.layer2_0 = BasicBlock(64, 128, 2, 1, True)
        self.layer2_1 = BasicBlock(128, 128, 1, 1, False)
        self.layer3_0 = BasicBlock(128, 256, 2, 1, True)
        self.layer3_1 = BasicBlock(256, 256, 1, 1, False)
        self.layer4_0 = BasicBlock(256, 512, 1, 2, True)
        self.layer4_1 = BasicBlock(512, 512, 1, 2, False)
        self.aspp0 = conv_bn(512, 128, 1)
        self.aspp1 = AsppBranch(512, 6)
        self.aspp2 = AsppBranch(512, 12)
        self.aspp3 = AsppBranch(512, 18)
        self.aspp4 = Scope(conv2d=conv(512, 128, 1))
        self.aspp_proj = conv_bn(640, 128, 1)
        self.low_level = conv_bn(64, 48, 1)
        self.dec1 = conv_bn(176, 128, 3, pad=1)
        self.dec2 = conv_bn(128, 128, 3, pad=1)
        self.logits = conv(128, 21, 1)

    def forward(self, image):
        x = F.max_pool2d(conv_bn_relu(self.stem, image), 3, 2, 1)
        layer1 = self.layer1_1(self.layer1_0(x))
        x = self.layer2_1(self.layer2_0(layer1))
        x = self.layer3_1(self.layer3_0(x))
        x = self.layer4_1(self.layer4_0(x))
        pool = x.mean(dim=(2, 3), keepdim=True)
        aspp4 = resize_like(F.relu(self.aspp4.conv2d(pool)), x)
        cat = torch.cat([conv_bn_relu(self.aspp0, x), self.aspp1(x), self.aspp2(x), self.aspp3(x), aspp4], 1)
        aspp = conv_bn_relu(self.aspp_proj, cat)
        low = conv_bn_relu(self.low_level, layer1)
        x = torch.cat([resize_like(aspp, low), low], 1)
        x = conv_bn_relu(self.dec2, conv_bn_relu(self.dec1, x))
        return resize_like(self.logits(x), image)


# ------------------------------------------------------------ FCN ----

class FcnAtrous(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = Scope(conv2d=conv(3, 64, 3, pad=1))
        self.conv2 = Scope(conv2d=conv(64, 64, 3, pad=1))
        self.atrous1 = Scope(conv2d=conv(64, 128, 3, dilation=2, pad=2))
        self.atrous2 = Scope(conv2d=conv(128, 128, 3, dilation=4, pad=4))
        self.up = Scope(conv_transpose2d=nn.ConvTranspose2d(128, 64, 4, 2, 1))
        self.logits = conv(64, 21, 1)

    def forward(self, image):
        x = F.relu(self.conv2.conv2d(F.relu(self.conv1.conv2d(image))))
        x = F.max_pool2d(x, 2, 2)
        x = F.relu(self.atrous2.conv2d(F.relu(self.atrous1.conv2d(x))))
        x = F.relu(self.up.conv_transpose2d(x))
        return torch.softmax(self.logits(x), 1)


# ------------------------------------------------------------ LinkNet ----

class LinkNetDecoder(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.reduce = conv(cin, cin // 4, 1, bias=False)
        self.r1 = Scope(batchnorm=bn(cin // 4))
        self.up = nn.ConvTranspose2d(cin // 4, cin // 4, 3, 2, 1, output_padding=1, bias=False)
        self.r2 = Scope(batchnorm=bn(cin // 4))
        self.expand = conv(cin // 4, cout, 1, bias=False)
        self.batchnorm = bn(cout)

    def forward(self, x):
        x = F.relu(self.r1.batchnorm(self.reduce(x)))
        x = F.relu(self.r2.batchnorm(self.up(x)))
        return F.relu(self.batchnorm(self.expand(x)))


class LinkNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = conv_bn(3, 64, 7, pad=3, stride=2)
        self.enc1_0 = BasicBlock(64, 64, 1, 1, False)
        self.enc1_1 = BasicBlock(64, 64, 1, 1, False)
        self.enc2_0 = BasicBlock(64, 128, 2, 1, True)
        self.enc2_1 = BasicBlock(128, 128, 1, 1, False)
        self.enc3_0 = BasicBlock(128, 256, 2, 1, True)
        self.enc3_1 = BasicBlock(256, 256, 1, 1, False)
        self.enc4_0 = BasicBlock(256, 512, 2, 1, True)
        self.enc4_1 = BasicBlock(512, 512, 1, 1, False)
        self.dec4 = LinkNetDecoder(512, 256)
        self.dec3 = LinkNetDecoder(256, 128)
        self.dec2 = LinkNetDecoder(128, 64)
        self.dec1 = LinkNetDecoder(64, 64)
        self.final1 = Scope(conv_transpose2d=nn.ConvTranspose2d(64, 32, 3, 2, 1, output_padding=1, bias=False),
                            batchnorm=bn(32))
        self.final2 = conv_bn(32, 32, 3, pad=1)
        self.logits = conv(32, 12, 1)

    def forward(self, image):
        x = F.max_pool2d(conv_bn_relu(self.stem, image), 3, 2, 1)
        enc1 = self.enc1_1(self.enc1_0(x))
        enc2 = self.enc2_1(self.enc2_0(enc1))
        enc3 = self.enc3_1(self.enc3_0(enc2))
        enc4 = self.enc4_1(self.enc4_0(enc3))
        x = self.dec3(self.dec4(enc4) + enc3)
        x = self.dec2(x + enc2)
        x = self.dec1(x + enc1)
        x = F.relu(self.final1.batchnorm(self.final1.conv_transpose2d(x)))
        return self.logits(conv_bn_relu(self.final2, x))


# ------------------------------------------------------------ WaveNet ----

def conv1x1(cin, cout):
    return nn.Conv1d(cin, cout, 1)


class WaveNet(nn.Module):
    """wavenet.atr: 20 gated layers (dilations 1..512 twice). Layer i has the
    gate conv g<i>.h, the residual conv x<i>.conv1d (none for the last layer)
    and the skip conv s1 (a plain node) or s<i>.conv1d."""

    LAYERS = 20

    def __init__(self):
        super().__init__()
        self.x0 = CausalConv1d(256, 64, 2)
        for i in range(1, self.LAYERS + 1):
            rate = 2 ** ((i - 1) % 10)
            self.add_module("g%d" % i, Scope(h=CausalConv1d(64, 128, 2, dilation=rate)))
            if i < self.LAYERS:
                self.add_module("x%d" % i, Scope(conv1d=conv1x1(64, 64)))
            self.add_module("s%d" % i, conv1x1(64, 256) if i == 1 else Scope(conv1d=conv1x1(64, 256)))
        self.head1 = Scope(conv1d=conv1x1(256, 256))
        self.logits = conv1x1(256, 256)

    def forward(self, audio):
        x = self.x0(audio)
        skips = None
        for i in range(1, self.LAYERS + 1):
            h = getattr(self, "g%d" % i).h(x)
            g = torch.tanh(h[:, :64]) * torch.sigmoid(h[:, 64:])
            if i < self.LAYERS:
                x = x + getattr(self, "x%d" % i).conv1d(g)
            skip = getattr(self, "s%d" % i)
            skips = skip(g) if i == 1 else skips + skip.conv1d(g)
        head = F.relu(self.head1.conv1d(F.relu(skips)))
        return torch.softmax(self.logits(head), 1)


# ------------------------------------------------------------ the models ----

# name: (module class, the .atr input's name, its channels, its full spatial size)
MODELS = {
    "deeplabv3plus": (DeepLabV3Plus, "image", 3, [513, 513]),
    "fcn_atrous": (FcnAtrous, "image", 3, [256, 256]),
    "linknet": (LinkNet, "image", 3, [256, 256]),
    "wavenet": (WaveNet, "audio", 256, [16000]),
}
# Small sizes for tests, which still reach every layer's borders: DeepLab's
# rate-18 ASPP taps fall mostly in padding at 65x65, LinkNet needs a multiple
# of 32, and WaveNet's dilation-512 taps see both samples and causal padding
# at 600.
TEST_SIZES = {"deeplabv3plus": 65, "fcn_atrous": 64, "linknet": 64, "wavenet": 600}


def build(name):
    """The model in eval mode (batchnorm uses its running statistics)."""
    if name not in MODELS:
        raise ValueError("unknown model '%s'; known: %s" % (name, ", ".join(sorted(MODELS))))
    return MODELS[name][0]().eval()


def input_name(name):
    return MODELS[name][1]


def input_shape(name, size=None):
    """NCHW (NCW) input shape; `size` replaces every spatial extent (None:
    the .atr file's full size)."""
    _, _, channels, spatial = MODELS[name]
    if size is not None:
        spatial = [size] * len(spatial)
    return [1, channels] + list(spatial)


def atr_input_shape(name, size=None):
    """The shape as `atrousc --input-shape` spells it: image=1x3x65x65."""
    return "%s=%s" % (input_name(name), "x".join(str(d) for d in input_shape(name, size)))


def export_onnx(module, shape, path, opset=13):
    """Exports at a static input shape. Batchnorm stays a node (TrainingMode
    PRESERVE on an eval module) so the initializers keep the state_dict
    names; ONNX Runtime folds it into the conv itself."""
    example = torch.zeros(shape)
    with torch.no_grad(), warnings.catch_warnings():
        # The first is about modules in training mode (these are in eval
        # mode); the second comes with every bilinear resize in torch 1.13.
        warnings.filterwarnings("ignore", message="It is recommended that constant folding be turned off")
        warnings.filterwarnings("ignore", message="The shape inference of prim::Constant type is missing")
        torch.onnx.export(module, (example,), path, input_names=["input"], output_names=["output"],
                          opset_version=opset, training=torch.onnx.TrainingMode.PRESERVE,
                          do_constant_folding=True)


def main(argv):
    if len(argv) != 6 or argv[1] != "export":
        sys.exit("usage: torch_models.py export NAME SIZE|full WEIGHTS.safetensors OUT.onnx")
    name, size, weights, out = argv[2:]
    model = load_safetensors(build(name), weights)
    export_onnx(model, input_shape(name, None if size == "full" else int(size)), out)


if __name__ == "__main__":
    main(sys.argv)
