"""scikit-learn reference for `pnpm bench:text`: TfidfVectorizer(binary=True) + brute cosine kNN (k=50)
on the Shopee titles, threshold swept over cosine distance, F1 measured on all rows (protocol full).

Run with Debian's python (python3-sklearn): /usr/bin/python3 text_reference.py CSV [--k 50] [--grid 0.2,0.8,0.025]
Prints one JSON object on stdout; wall time covers CSV load through the sweep, like the TypeScript side.
"""
import argparse
import csv
import json
import re
import sys
import time

start = time.perf_counter()

import numpy as np  # noqa: E402  (timed: the TypeScript side pays for its imports too)
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402

# Titles carry literal `\xNN` byte escapes; runs of them are UTF-8 byte sequences.
ESCAPE_RUN = re.compile(r'(?:\\x[0-9a-fA-F]{2})+')


def decode_escapes(text):
    return ESCAPE_RUN.sub(
        lambda m: bytes.fromhex(m.group(0).replace('\\x', '')).decode('utf-8', errors='replace'), text)


def load(path):
    with open(path, newline='', encoding='utf-8') as f:
        rows = list(csv.DictReader(f))
    if not rows or 'title' not in rows[0] or 'label_group' not in rows[0]:
        sys.exit(f'{path}: expected a Kaggle train.csv with title and label_group columns')
    return [decode_escapes(r['title']) for r in rows], np.array([r['label_group'] for r in rows])


def f1_sweep(indices, distances, labels, thresholds, cap=50):
    """Mean F1 per threshold; prediction = self + neighbours with distance <= threshold, capped at `cap`."""
    n = len(labels)
    _, label_codes, group_sizes = np.unique(labels, return_inverse=True, return_counts=True)
    truth_size = group_sizes[label_codes]
    not_self = indices != np.arange(n)[:, None]
    same = label_codes[indices] == label_codes[:, None]
    out = []
    for t in thresholds:
        kept = (distances <= t) & not_self
        kept &= np.cumsum(kept, axis=1) <= cap - 1
        predicted = 1 + kept.sum(axis=1)
        hits = 1 + (kept & same).sum(axis=1)
        out.append(float(np.mean(2 * hits / (predicted + truth_size))))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('csv')
    parser.add_argument('--k', type=int, default=50)
    parser.add_argument('--grid', default='0.01,0.99,0.01', help='FROM,TO,STEP of the cosine-distance sweep')
    args = parser.parse_args()
    try:
        lo, hi, step = (float(x) for x in args.grid.split(','))
    except ValueError:
        sys.exit(f'--grid {args.grid!r}: expected FROM,TO,STEP, e.g. 0.2,0.8,0.025')

    t0 = time.perf_counter()
    titles, labels = load(args.csv)
    t1 = time.perf_counter()
    vectors = TfidfVectorizer(binary=True).fit_transform(titles)
    t2 = time.perf_counter()
    knn = NearestNeighbors(n_neighbors=args.k, metric='cosine', algorithm='brute').fit(vectors)
    distances, indices = knn.kneighbors(vectors)
    t3 = time.perf_counter()
    thresholds = [round(lo + i * step, 6) for i in range(int(round((hi - lo) / step)) + 1)]
    f1s = f1_sweep(indices, distances, labels, thresholds)
    best = int(np.argmax(f1s))  # first maximum: ties go to the smaller threshold, as in @prodmatch/metrics
    end = time.perf_counter()
    print(json.dumps({
        'rows': len(titles),
        'vocabulary': vectors.shape[1],
        'nnz': int(vectors.nnz),
        'k': args.k,
        'threshold': thresholds[best],
        'f1': f1s[best],
        'sweep': [{'threshold': t, 'f1': f} for t, f in zip(thresholds, f1s)],
        'timings': {'load': t1 - t0, 'vectorize': t2 - t1, 'search': t3 - t2, 'sweep': end - t3,
                    'total': end - start},
        'sklearn': __import__('sklearn').__version__,
    }))


if __name__ == '__main__':
    main()
