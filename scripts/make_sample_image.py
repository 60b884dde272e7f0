#!/usr/bin/env python3
"""Writes the PNG files the runtime tests and the segment example read.

- examples/segment/sample.png: a synthetic 320x240 outdoor scene (sky, sun,
  hills, a road, a car, a tree, a person) for the segmentation demo; there is
  no network to fetch a photograph from, and a random model only needs
  something image-like.
- tests/data/images/*.png: 13x7 images in every PNG colour type and several
  bit depths whose pixels follow the formulas below, so that
  tests/unit/RuntimeTest.cpp can check each decoded pixel exactly.

The encoder is written here with zlib only, independent of libpng, which the
code under test uses. Run with any Python 3: scripts/make_sample_image.py
"""
import math
import os
import random
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
W, H = 13, 7  # odd sizes, so low bit depths need row padding


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def filter_row(kind, row, prev, bpp):
    out = bytearray()
    for i, x in enumerate(row):
        a = row[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        pred = (0, a, b, (a + b) // 2, paeth(a, b, c))[kind]
        out.append((x - pred) & 0xFF)
    return out


def filtered(rows, bpp, row_filter):
    """Each row with its filter byte; row_filter picks the filter per row,
    or None for the usual minimum-sum-of-absolute-values heuristic."""
    out = bytearray()
    prev = bytearray(len(rows[0])) if rows else bytearray()
    for y, row in enumerate(rows):
        if row_filter is not None:
            kind = row_filter(y)
        else:
            kind = min(range(5), key=lambda k: sum(min(v, 256 - v) for v in filter_row(k, row, prev, bpp)))
        out.append(kind)
        out += filter_row(kind, row, prev, bpp)
        prev = row
    return out


def pack_samples(samples, depth):
    """One row of samples (ints) as bytes at the given bit depth."""
    if depth == 16:
        return bytearray(b"".join(struct.pack(">H", s) for s in samples))
    if depth == 8:
        return bytearray(samples)
    out = bytearray()
    per_byte = 8 // depth
    for i in range(0, len(samples), per_byte):
        byte = 0
        group = samples[i:i + per_byte]
        for j, s in enumerate(group):
            byte |= s << (8 - depth * (j + 1))
        out.append(byte)
    return out


CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def png_bytes(width, height, color_type, depth, pixel, extra_chunks=(), interlaced=False, row_filter=None):
    """pixel(x, y) returns the tuple of samples of one pixel."""
    channels = CHANNELS[color_type]
    bpp = max(1, channels * depth // 8)

    def rows_of(xs, ys):
        return [pack_samples([s for x in xs for s in pixel(x, y)], depth) for y in ys]

    if interlaced:
        raw = bytearray()
        for x0, y0, dx, dy in ADAM7:
            xs, ys = range(x0, width, dx), range(y0, height, dy)
            if len(xs) and len(ys):
                raw += filtered(rows_of(xs, ys), bpp, row_filter)
    else:
        raw = filtered(rows_of(range(width), range(height)), bpp, row_filter)
    ihdr = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 1 if interlaced else 0)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    for kind, data in extra_chunks:
        out += chunk(kind, data)
    out += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    return out


# The pixel formulas that tests/unit/RuntimeTest.cpp repeats.
def rgb8(x, y):
    return ((x * 37 + y * 11) % 256, (x * 5 + y * 53 + 7) % 256, (x * x + y * 3) % 256)


def gray8(x, y):
    return (x * 29 + y * 17) % 256


def to16(v8, x, y):
    """A 16-bit sample that rounds to v8: v8 * 257 plus at most +-100."""
    return min(65535, max(0, v8 * 257 + (x * 7 + y * 13) % 201 - 100))


def alpha8(x, y):
    return (x * 3 + y * 7) % 256


PALETTE_SIZE = 11


def palette_entry(i):
    return ((i * 50) % 256, 255 - i * 20, (i * i) % 256)


def palette_index(x, y):
    return (x + y * 3) % PALETTE_SIZE


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(data)} bytes)")


def test_images():
    out = os.path.join(ROOT, "tests", "data", "images")
    os.makedirs(out, exist_ok=True)
    palette = b"".join(bytes(palette_entry(i)) for i in range(PALETTE_SIZE))
    trns = bytes((255 - i * 10) for i in range(PALETTE_SIZE))
    images = {
        "rgb8": png_bytes(W, H, 2, 8, rgb8),
        "rgb8_adam7": png_bytes(W, H, 2, 8, rgb8, interlaced=True),
        "rgb16": png_bytes(W, H, 2, 16, lambda x, y: tuple(to16(v, x, y) for v in rgb8(x, y))),
        "rgba8": png_bytes(W, H, 6, 8, lambda x, y: rgb8(x, y) + (alpha8(x, y),)),
        "gray8": png_bytes(W, H, 0, 8, lambda x, y: (gray8(x, y),)),
        "gray2": png_bytes(W, H, 0, 2, lambda x, y: ((x + 2 * y) % 4,)),
        "gray16": png_bytes(W, H, 0, 16, lambda x, y: (to16(gray8(x, y), x, y),)),
        "graya8": png_bytes(W, H, 4, 8, lambda x, y: (gray8(x, y), alpha8(x, y))),
        "palette4": png_bytes(W, H, 3, 4, lambda x, y: (palette_index(x, y),),
                              extra_chunks=[(b"PLTE", palette), (b"tRNS", trns)]),
    }
    # Every filter type on every row of one image, whatever the heuristic picks.
    images["rgb8_filters"] = png_bytes(W, H, 2, 8, rgb8, row_filter=lambda y: y % 5)
    for name, data in images.items():
        write(os.path.join(out, f"{name}_{W}x{H}.png"), data)


def sample_scene(width=320, height=240, seed=7):
    rng = random.Random(seed)
    horizon = [int(height * 0.55 + 12 * math.sin(x / 37.0) + 6 * math.sin(x / 11.0)) for x in range(width)]

    def lerp(a, b, t):
        return tuple(int(round(p + (q - p) * t)) for p, q in zip(a, b))

    sun = (250, 50, 22)
    tree = (70, 128, 30)  # canopy centre x, y, radius
    pixels = []
    for y in range(height):
        row = []
        for x in range(width):
            if y < horizon[x]:
                c = lerp((70, 120, 200), (190, 215, 240), y / height / 0.6)
                d = math.hypot(x - sun[0], y - sun[1])
                if d < sun[2]:
                    c = (250, 230, 120)
                elif d < sun[2] + 10:
                    c = lerp((250, 230, 120), c, (d - sun[2]) / 10)
            else:
                t = (y - horizon[x]) / max(1, height - horizon[x])
                c = lerp((90, 150, 60), (40, 100, 30), t)
                # A road narrowing towards the horizon.
                half = 8 + (y - height * 0.55) * 0.9
                if abs(x - 200) < half and y > height * 0.55:
                    c = (105, 105, 110)
                    if abs(x - 200) < 2 and (y // 8) % 2 == 0:
                        c = (235, 235, 230)
            # Tree: trunk and canopy.
            if 64 <= x < 76 and tree[1] < y < 175:
                c = (95, 65, 40)
            dc = math.hypot(x - tree[0], y - tree[1])
            if dc < tree[2]:
                c = lerp((40, 110, 40), (20, 70, 25), dc / tree[2])
            # Car: body, windows and wheels.
            if 175 <= x < 235 and 175 <= y < 200:
                c = (190, 30, 35)
            if 188 <= x < 222 and 163 <= y < 176:
                c = (160, 25, 30) if not (193 <= x < 217 and 166 <= y < 175) else (120, 170, 200)
            for wx in (188, 222):
                if math.hypot(x - wx, y - 200) < 7:
                    c = (25, 25, 25)
            # Person: head, body, legs.
            if math.hypot(x - 120, y - 140) < 6:
                c = (225, 180, 150)
            if 114 <= x < 127 and 146 <= y < 170:
                c = (40, 60, 150)
            if (114 <= x < 119 or 122 <= x < 127) and 170 <= y < 190:
                c = (35, 35, 45)
            n = rng.randint(-2, 2)
            row.append(tuple(min(255, max(0, v + n)) for v in c))
        pixels.append(row)
    return png_bytes(width, height, 2, 8, lambda x, y: pixels[y][x])


def main():
    test_images()
    write(os.path.join(ROOT, "examples", "segment", "sample.png"), sample_scene())


if __name__ == "__main__":
    main()
