#!/usr/bin/python3
"""Writes a few distinct tiny (64x64) but valid images for the 100,000-object benchmark: 4 JPEGs and 4 PNGs made
from corpus photographs. Usage: make_tiny.py CORPUS_SRC_DIR OUT_DIR"""
import os
import sys

from PIL import Image

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
names = sorted(n for n in os.listdir(src) if n.lower().endswith(('.jpg', '.jpeg')))[:8]
for i, name in enumerate(names):
    im = Image.open(os.path.join(src, name)).convert('RGB').resize((64, 64))
    if i % 2 == 0:
        im.save(os.path.join(out, 'tiny%d.jpg' % i), quality=85)
    else:
        im.save(os.path.join(out, 'tiny%d.png' % i))
print(' '.join(sorted(os.listdir(out))))
