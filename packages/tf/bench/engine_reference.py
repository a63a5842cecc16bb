"""PyTorch CPU reference for `pnpm bench:engine`.

Trains the same small CNN as packages/vision smallCnn (64x64x3 input, batch 32,
Adam, softmax cross-entropy over 10 classes) and prints one JSON line:
{"framework": "pytorch", "version": ..., "threads": ..., "images_per_s": ..., ...}
Run with Debian's interpreter: /usr/bin/python3 engine_reference.py --threads 2
"""
import argparse
import json
import time

import torch
import torch.nn as nn


def small_cnn(filters=(32, 64, 128, 256), classes=10):
    layers = []
    c_in = 3
    for i, c in enumerate(filters):
        layers += [nn.Conv2d(c_in, c, 3, padding=1, bias=False), nn.BatchNorm2d(c, eps=1e-3, momentum=0.01), nn.ReLU()]
        if i < len(filters) - 1:
            layers.append(nn.MaxPool2d(2))
        c_in = c
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, classes)]
    return nn.Sequential(*layers)


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--steps', type=int, default=10)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = small_cnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.randn(args.batch, 3, args.size, args.size)
    y = torch.randint(0, 10, (args.batch,))

    def step():
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(args.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        step()
    dt = time.perf_counter() - t0
    print(json.dumps({
        'framework': 'pytorch',
        'version': torch.__version__,
        'threads': torch.get_num_threads(),
        'batch': args.batch,
        'steps': args.steps,
        'seconds': dt,
        'images_per_s': args.batch * args.steps / dt,
    }))


if __name__ == '__main__':
    main()
