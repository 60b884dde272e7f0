#!/usr/bin/python3
"""Regenerates the tensor-file fixtures of the unit tests: .npy files written
by NumPy itself (tests/data/npy) and a .safetensors file written by hand
following the format's specification (tests/data/safetensors), since the
safetensors package is not installed. The values are simple so that the tests
can state them independently. Run with the system python: /usr/bin/python3."""
import json
import os
import struct

import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "data")


def write_npy_fixtures(out):
    os.makedirs(out, exist_ok=True)
    save = lambda name, a: np.save(os.path.join(out, name), a)
    save("f32_arange_2x3x4.npy", np.arange(24, dtype=np.float32).reshape(2, 3, 4))
    save("f64_halves_2x3.npy", np.arange(6, dtype=np.float64).reshape(2, 3) * 0.5 - 1.0)
    save("i32_range.npy", np.arange(-3, 3, dtype=np.int32))
    save("i64_extremes_2x2.npy", np.array([[-2**31, 2**31 - 1], [0, 7]], dtype=np.int64))
    save("u8_250_to_254.npy", np.arange(250, 255, dtype=np.uint8))
    save("f32_scalar.npy", np.array(3.5, dtype=np.float32))
    save("f32_empty_0x3.npy", np.zeros((0, 3), dtype=np.float32))
    for version in [(2, 0), (3, 0)]:
        with open(os.path.join(out, "i32_v%d.npy" % version[0]), "wb") as f:
            np.lib.format.write_array(f, np.arange(3, dtype=np.int32), version=version)
    # Files atrous must refuse.
    save("f32_fortran_2x3.npy", np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)))
    save("f32_bigendian.npy", np.arange(3, dtype=">f4"))
    save("bool_3.npy", np.array([True, False, True]))


def write_safetensors_fixture(path):
    tensors = {
        "f.i32": ("I32", [3], np.array([-1, 0, 7], dtype="<i4")),
        "e.i64": ("I64", [2], np.array([-2**31, 2**31 - 1], dtype="<i8")),
        "d.f64": ("F64", [3], np.array([0.1, -1e10, 2.5], dtype="<f8")),
        "c.bf16": ("BF16", [2, 2], np.array([1.0, -3.0, 0.15625, 2.0**100], dtype="<f4")),
        "b.f16": ("F16", [4], np.array([1.0, -2.5, 2.0**-24, 65504.0], dtype="<f2")),
        "a.weight": ("F32", [2, 3], np.arange(6, dtype="<f4").reshape(2, 3)),
    }
    header = {"__metadata__": {"format": "pt"}}
    data = b""
    for name, (dtype, shape, values) in tensors.items():
        raw = values.tobytes()
        if dtype == "BF16":  # the upper halves of the (exact) float32 values
            raw = b"".join(raw[i + 2:i + 4] for i in range(0, len(raw), 4))
        header[name] = {"dtype": dtype, "shape": shape,
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data)


if __name__ == "__main__":
    write_npy_fixtures(os.path.join(ROOT, "npy"))
    os.makedirs(os.path.join(ROOT, "safetensors"), exist_ok=True)
    write_safetensors_fixture(os.path.join(ROOT, "safetensors", "python_mixed_dtypes.safetensors"))
