#!/usr/bin/python3
"""Images in the modes and formats the corpus has few of (LA, palette with transparency, 1-bit, BMP, 4:4:4 and
4:2:2 JPEG, WebP RGBA and lossless, tiny and extreme aspect ratios, progressive grayscale, GIF), made with Pillow
from two corpus photos, with their reference hashes from shared/tools/hash_reference.py in a golden.csv.
Usage: make_format_corpus.py CORPUS_SRC_DIR OUT_DIR SHARED_TOOLS_DIR   (Debian's python3-pil, -numpy, -scipy, -pywt)"""
import sys, os, csv, hashlib
sys.path.insert(0, sys.argv[3])
from hash_reference import all_hashes
from PIL import Image
src, out = sys.argv[1], sys.argv[2]

base = Image.open(os.path.join(src, 'kpa_skagen.jpg')).convert('RGB')
chel = Image.open(os.path.join(src, 'skimage_chelsea.png')).convert('RGB')
made = []
def save(im, name, **kw):
    p = os.path.join(out, name); im.save(p, **kw); made.append(p)
save(base.convert('LA'), 'la.png')
pal = chel.convert('P', palette=Image.ADAPTIVE, colors=64); pal.info['transparency'] = 3; save(pal, 'pal_trans.png')
save(chel.convert('P', palette=Image.ADAPTIVE, colors=16), 'pal16.png')
save(base.convert('1'), 'bilevel.png')
save(base, 'rgb.bmp')
save(base.convert('L'), 'gray.bmp')
save(base, 'q95_444.jpg', quality=95, subsampling=0)
save(base, 'q70_422.jpg', quality=70, subsampling=1)
rgba = chel.convert('RGBA'); save(rgba, 'rgba.webp', quality=90)
save(chel, 'lossless.webp', lossless=True)
save(base.resize((37, 23)), 'tiny.png')
save(base.resize((3000, 40)), 'wide.jpg', quality=85)
save(chel.convert('L').resize((9, 700)), 'tall.png')
g = base.convert('L'); save(g, 'gray_prog.jpg', quality=80, progressive=True)
save(chel.convert('P', palette=Image.ADAPTIVE, colors=200), 'anim.gif')
cols = ['file','sha256','width','height','phash','phash16','dhash','ahash','whash','seed_original','seed_h_flip','seed_v_flip','fast_phash','fast_seed_original','fast_seed_h_flip','fast_seed_v_flip']
with open(os.path.join(out, 'golden.csv'), 'w', newline='') as f:
    w = csv.writer(f); w.writerow(cols)
    for p in made:
        h = all_hashes(p)
        im = Image.open(p)
        h['sha256'] = hashlib.sha256(open(p,'rb').read()).hexdigest()
        w.writerow([os.path.basename(p), h['sha256'], im.size[0], im.size[1]] + [h[c] for c in cols[4:]])
print(len(made), 'images')
