"""PyTorch CPU reference for `pnpm bench:engine`.

Trains the same small CNN as packages/vision smallCnn (64x64x3 input, batch 32,
Adam, softmax cross-entropy over 10 classes) and prints one JSON line:
{"framework": "pytorch", "version": ..., "threads": ..., "images_per_s": ..., ...}
Run with Debian's interpreter: /usr/bin/python3 engine_reference.py --threads 2

With --conv-rates JSON (a list of {"op", "n", "h", "w", "ci", "co"}, 3x3 'same' convolutions, op one
of forward / backward_data / backward_weights) it instead times each convolution of a training
step on its own (best of --steps runs after --warmup) and prints
{"framework": "pytorch", "threads": ..., "conv_ms": [...]} in the same order.
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


def conv_rates(problems, warmup, steps):
    """Milliseconds of each convolution alone, through the same aten op autograd calls."""
    times = []
    for p in problems:
        x = torch.randn(p['n'], p['ci'], p['h'], p['w'])
        w = torch.randn(p['co'], p['ci'], 3, 3)
        dy = torch.randn(p['n'], p['co'], p['h'], p['w'])
        if p['op'] == 'forward':
            run = lambda: torch.nn.functional.conv2d(x, w, padding=1)
        else:
            mask = [p['op'] == 'backward_data', p['op'] == 'backward_weights', False]
            run = lambda: torch.ops.aten.convolution_backward(dy, x, w, None, [1, 1], [1, 1], [1, 1], False, [0, 0], 1, mask)
        for _ in range(warmup):
            run()
        best = float('inf')
        for _ in range(steps):
            t0 = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - t0)
        times.append(best * 1000)
    return times


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--size', type=int, default=64)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument('--steps', type=int, default=10)
    p.add_argument('--conv-rates', help='JSON list of convolutions to time one by one')
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    if args.conv_rates:
        times = conv_rates(json.loads(args.conv_rates), args.warmup, args.steps)
        print(json.dumps({'framework': 'pytorch', 'version': torch.__version__, 'threads': torch.get_num_threads(), 'conv_ms': times}))
        return
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
