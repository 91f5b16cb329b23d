#!/usr/bin/env python3
"""Distinct copies of a folder's JPEGs for memory-against-batch-size runs (docs/benchmarks.md).

Each copy gets its own JPEG comment segment after SOI, so its bytes and content hash (the pipeline's image id)
differ while the pixels stay the same. Usage: make-photo-copies.py SRC OUT N [N ...] -> OUT/pN/cXXXX.jpg
"""
import glob
import os
import sys

src_dir, out_dir, counts = sys.argv[1], sys.argv[2], [int(n) for n in sys.argv[3:]]
sources = sorted(p for p in glob.glob(os.path.join(src_dir, '*')) if p.lower().endswith(('.jpg', '.jpeg')))
if not sources:
    sys.exit(f'{src_dir}: no JPEG files')
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
