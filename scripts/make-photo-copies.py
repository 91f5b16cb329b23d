#!/usr/bin/env python3
"""Distinct copies of a folder's JPEGs for memory-against-batch-size runs (docs/benchmarks.md).

Each copy gets its own JPEG comment segment after SOI, so its bytes and content hash (the pipeline's image id)
differ while the pixels stay the same. Usage: make-photo-copies.py [--by-size K] SRC OUT N [N ...] -> OUT/pN/cXXXX.jpg

The copies take the sources in name order, round after round. With --by-size K they take K sources chosen evenly
over the sources sorted by pixel count (the smallest and the largest among them), in that order: every N that is a
multiple of K then holds the same mix of sizes, so batch sizes can be compared alone.
"""
import glob
import os
import sys


def pixels(path):
    """Width x height from the first SOF0/1/2 marker."""
    data = open(path, 'rb').read()
    i = 2
    while i + 9 <= len(data) and data[i] == 0xFF:
        marker, length = data[i + 1], int.from_bytes(data[i + 2:i + 4], 'big')
        if marker in (0xC0, 0xC1, 0xC2):
            return int.from_bytes(data[i + 5:i + 7], 'big') * int.from_bytes(data[i + 7:i + 9], 'big')
        i += 2 + length
    sys.exit(f'{path}: no frame header found')


args = sys.argv[1:]
by_size = None
if args[:1] == ['--by-size']:
    if len(args) < 2 or not args[1].isdigit():
        sys.exit('--by-size K: K, a number of sources, is missing')
    by_size, args = int(args[1]), args[2:]
if len(args) < 3:
    sys.exit('usage: make-photo-copies.py [--by-size K] SRC OUT N [N ...]')
src_dir, out_dir, counts = args[0], args[1], [int(n) for n in args[2:]]
sources = sorted(p for p in glob.glob(os.path.join(src_dir, '*')) if p.lower().endswith(('.jpg', '.jpeg')))
if not sources:
    sys.exit(f'{src_dir}: no JPEG files')
if by_size is not None:
    if not 2 <= by_size <= len(sources):
        sys.exit(f'--by-size {by_size}: between 2 and the {len(sources)} JPEGs of {src_dir}')
    ranked = sorted(sources, key=lambda p: (pixels(p), p))
    sources = [ranked[round(i * (len(ranked) - 1) / (by_size - 1))] for i in range(by_size)]
for n in counts:
    folder = os.path.join(out_dir, f'p{n}')
    os.makedirs(folder, exist_ok=True)
    for i in range(n):
        data = open(sources[i % len(sources)], 'rb').read()
        if data[:2] != b'\xff\xd8':
            sys.exit(f'{sources[i % len(sources)]}: not a JPEG (no SOI)')
        text = f'copy {i}'.encode()
        comment = b'\xff\xfe' + (len(text) + 2).to_bytes(2, 'big') + text
        with open(os.path.join(folder, f'c{i:04d}.jpg'), 'wb') as f:
            f.write(data[:2] + comment + data[2:])
    print(f'{folder}: {n} files from {len(sources)} JPEGs')
