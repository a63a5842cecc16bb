"""numpy reference for `pnpm bench:knn`: exact cosine top-k of every row of a float32 matrix among
all its rows, the way a numpy user writes it: normalise, multiply in row batches, argpartition each
batch's similarities, sort the k kept.

Reads the row-major float32 matrix that packages/knn/bench/knn.ts wrote (--bin, --rows, --dim),
writes the top-k indices (int32, rows x k, best first) to --out, and prints one JSON line:
{"seconds": ..., "matmul_seconds": ..., "select_seconds": ..., "blas": [threadpoolctl's info]}.
Run with Debian's interpreter (python3-numpy, libopenblas0-pthread, python3-threadpoolctl).
"""
import argparse
import json
import sys
import time

import numpy as np

try:
    from threadpoolctl import threadpool_info
except ImportError:  # the figure is still valid; only the kernel report is missing
    threadpool_info = None


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--bin', required=True)
    p.add_argument('--rows', type=int, required=True)
    p.add_argument('--dim', type=int, required=True)
    p.add_argument('--k', type=int, default=50)
    p.add_argument('--batch', type=int, default=1024)
    p.add_argument('--out', required=True)
    a = p.parse_args()

    x = np.fromfile(a.bin, dtype=np.float32)
    if x.size != a.rows * a.dim:
        sys.exit(f'{a.bin}: holds {x.size} float32 values, expected rows x dim = {a.rows * a.dim}')
    x = x.reshape(a.rows, a.dim)
    k = min(a.k, a.rows)

    start = time.perf_counter()
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1
    g = x / norms
    gt = np.ascontiguousarray(g.T)
    out = np.empty((a.rows, k), dtype=np.int32)
    matmul = select = 0.0
    for lo in range(0, a.rows, a.batch):
        hi = min(lo + a.batch, a.rows)
        t0 = time.perf_counter()
        sims = g[lo:hi] @ gt
        t1 = time.perf_counter()
        if k < a.rows:
            part = np.argpartition(sims, a.rows - k, axis=1)[:, a.rows - k:]
        else:
            part = np.broadcast_to(np.arange(a.rows), sims.shape)
        kept = np.take_along_axis(sims, part, axis=1)
        order = np.argsort(-kept, axis=1, kind='stable')
        out[lo:hi] = np.take_along_axis(part, order, axis=1)
        select += time.perf_counter() - t1
        matmul += t1 - t0
    seconds = time.perf_counter() - start

    out.tofile(a.out)
    blas = threadpool_info() if threadpool_info else []
    print(json.dumps({'seconds': seconds, 'matmul_seconds': matmul, 'select_seconds': select,
                      'numpy': np.__version__, 'blas': blas}))


if __name__ == '__main__':
    main()
