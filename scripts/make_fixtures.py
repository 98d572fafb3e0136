#!/usr/bin/env python3
"""Writes the reference fixtures under Tests/Fixtures from PyTorch and the Hugging Face libraries.

Run it in a virtual environment outside the repository:
    python3 -m venv ~/t2i-venv && ~/t2i-venv/bin/pip install torch diffusers transformers safetensors
    ~/t2i-venv/bin/python scripts/make_fixtures.py            # every fixture group
    ~/t2i-venv/bin/python scripts/make_fixtures.py safetensors # one group
    ~/t2i-venv/bin/python scripts/make_fixtures.py --check-safetensors FILE
The last form reads a file written by t2i with Python's safetensors and prints what it holds,
which is how the Swift→Python direction of the safetensors format is checked.
CI never runs this script: its outputs are committed.
"""
import argparse
import os
import sys

import torch
from safetensors.torch import load_file, save_file
from safetensors import safe_open

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")


def out_path(*parts):
    path = os.path.join(FIXTURES, *parts)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return path


def make_safetensors():
    """One tensor per dtype with exactly representable values, plus a scalar and metadata."""
    tensors = {
        "f32": (torch.arange(6, dtype=torch.float32).reshape(2, 3) / 4 - 0.5),
        "f16": torch.tensor([[0.5, -1.25], [65504.0, 6.103515625e-05]], dtype=torch.float16),
        "bf16": torch.tensor([1.0, -2.5, 3.140625, 65280.0], dtype=torch.bfloat16),
        "i32": torch.tensor([-3, 0, 7, 2**31 - 1], dtype=torch.int32),
        "i64": torch.tensor([[-(2**40)], [5], [2**62]], dtype=torch.int64),
        "scalar": torch.tensor(1.5, dtype=torch.float32),
    }
    path = out_path("safetensors", "python_dtypes.safetensors")
    save_file(tensors, path, metadata={"format": "pt", "writer": "make_fixtures.py"})
    print("wrote", os.path.relpath(path, ROOT))


def make_ops():
    """Forward and backward of every differentiable op on small random inputs.

    For op NAME the file holds NAME.in0, NAME.in1, … (inputs), NAME.out (forward result),
    NAME.cot (a random cotangent) and NAME.grad0, … = d(sum(out * cot))/d(in_i) for every float
    input. The Swift golden tests rebuild the same op and compare all of them.
    """
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(1234)

    def rnd(*shape, lo=-1.0, hi=1.0):
        return (torch.rand(*shape, generator=g, dtype=torch.float64) * (hi - lo) + lo).float()

    cases = {}

    def case(name, fn, *inputs, extra=None):
        ins = [x.clone().requires_grad_(x.is_floating_point()) for x in inputs]
        out = fn(*ins)
        cot = rnd(*out.shape)
        (out * cot).sum().backward()
        cases[f"{name}.out"] = out.detach()
        cases[f"{name}.cot"] = cot
        for i, x in enumerate(ins):
            cases[f"{name}.in{i}"] = x.detach().float() if x.is_floating_point() else x.detach()
            if x.grad is not None:  # None for inputs the output does not depend on smoothly
                cases[f"{name}.grad{i}"] = x.grad
        for k, v in (extra or {}).items():
            cases[f"{name}.{k}"] = v

    # Elementwise with broadcasting: (2,3,4) against (3,1).
    case("add", lambda a, b: a + b, rnd(2, 3, 4), rnd(3, 1))
    case("sub", lambda a, b: a - b, rnd(2, 3, 4), rnd(4))
    case("mul", lambda a, b: a * b, rnd(2, 3, 4), rnd(2, 1, 4))
    case("div", lambda a, b: a / b, rnd(2, 3, 4), rnd(3, 1, lo=0.5, hi=2.0))
    case("neg", lambda a: -a, rnd(2, 5))
    case("exp", torch.exp, rnd(2, 5))
    case("log", torch.log, rnd(2, 5, lo=0.2, hi=3.0))
    case("sqrt", torch.sqrt, rnd(2, 5, lo=0.2, hi=3.0))
    case("rsqrt", torch.rsqrt, rnd(2, 5, lo=0.2, hi=3.0))
    case("pow", lambda a: a ** 3.0, rnd(2, 5))
    case("sigmoid", torch.sigmoid, rnd(2, 5, lo=-4, hi=4))
    case("tanh", torch.tanh, rnd(2, 5, lo=-3, hi=3))
    case("silu", F.silu, rnd(2, 5, lo=-4, hi=4))
    case("gelu", F.gelu, rnd(2, 5, lo=-4, hi=4))
    case("gelu_tanh", lambda a: F.gelu(a, approximate="tanh"), rnd(2, 5, lo=-4, hi=4))
    case("quick_gelu", lambda a: a * torch.sigmoid(1.702 * a), rnd(2, 5, lo=-4, hi=4))
    case("clamp", lambda a: a.clamp(-0.5, 0.5), rnd(3, 4))
    case("where", lambda c, a, b: torch.where(c > 0, a, b), rnd(3, 4), rnd(3, 4), rnd(4))
    # Reductions.
    case("sum", lambda a: a.sum(dim=1), rnd(2, 3, 4))
    case("mean", lambda a: a.mean(dim=(0, 2), keepdim=True), rnd(2, 3, 4))
    case("max", lambda a: a.max(dim=2).values, rnd(2, 3, 4))
    # Shapes.
    case("permute", lambda a: a.permute(2, 0, 1), rnd(2, 3, 4))
    case("concat", lambda a, b: torch.cat([a, b], dim=1), rnd(2, 3, 4), rnd(2, 2, 4))
    # Products.
    case("matmul", torch.matmul, rnd(2, 3, 4), rnd(2, 4, 5))
    case("matmul_shared", torch.matmul, rnd(2, 3, 4), rnd(4, 5))
    case("linear", F.linear, rnd(2, 3, 4), rnd(5, 4), rnd(5))
    # Convolutions.
    case("conv3x3", lambda x, w, b: F.conv2d(x, w, b, padding=1), rnd(2, 3, 5, 6), rnd(4, 3, 3, 3), rnd(4))
    case("conv3x3_s2", lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1), rnd(2, 3, 7, 6), rnd(4, 3, 3, 3), rnd(4))
    case("conv1x1", lambda x, w, b: F.conv2d(x, w, b), rnd(2, 3, 4, 4), rnd(5, 3, 1, 1), rnd(5))
    case("upsample", lambda x: F.interpolate(x, scale_factor=2.0, mode="nearest"), rnd(2, 3, 3, 4))
    # Normalisation.
    case("group_norm", lambda x, w, b: F.group_norm(x, 2, w, b, eps=1e-5), rnd(2, 4, 3, 3), rnd(4), rnd(4))
    case("layer_norm", lambda x, w, b: F.layer_norm(x, (6,), w, b, eps=1e-5), rnd(2, 3, 6), rnd(6), rnd(6))
    case("softmax", lambda x: F.softmax(x, dim=-1), rnd(3, 7, lo=-3, hi=3))
    case("log_softmax", lambda x: F.log_softmax(x, dim=-1), rnd(3, 7, lo=-3, hi=3))
    targets = torch.tensor([2, 0, 6, 3], dtype=torch.int64)
    case("cross_entropy", lambda x: F.cross_entropy(x, targets).reshape(1), rnd(4, 7, lo=-3, hi=3),
         extra={"targets": targets})
    case("mse", lambda a, b: F.mse_loss(a, b).reshape(1), rnd(3, 4), rnd(3, 4))
    case("l1", lambda a, b: F.l1_loss(a, b).reshape(1), rnd(3, 4), rnd(3, 4))
    ids = torch.tensor([3, 0, 3, 5, 1], dtype=torch.int64)
    case("embedding", lambda t: F.embedding(ids, t), rnd(6, 4), extra={"ids": ids})
    # Attention: (B=2, H=2, L, D=4) with each kind of mask.
    q, k, v = rnd(2, 2, 3, 4), rnd(2, 2, 5, 4), rnd(2, 2, 5, 4)
    case("sdpa", lambda q, k, v: F.scaled_dot_product_attention(q, k, v), q, k, v)
    qc, kc, vc = rnd(2, 2, 4, 4), rnd(2, 2, 4, 4), rnd(2, 2, 4, 4)
    case("sdpa_causal", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True), qc, kc, vc)
    lengths = torch.tensor([5, 2], dtype=torch.int64)
    keep = torch.arange(5)[None, :] < lengths[:, None]          # (B, Lk)
    case("sdpa_padding", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=keep[:, None, None, :]),
         q, k, v, extra={"key_lengths": lengths})
    bias = rnd(2, 1, 3, 5, lo=-2, hi=2)
    case("sdpa_additive", lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=bias), q, k, v,
         extra={"bias": bias})

    path = out_path("ops", "ops.safetensors")
    save_file({k: v.contiguous() for k, v in cases.items()}, path, metadata={"writer": "make_fixtures.py"})
    print("wrote", os.path.relpath(path, ROOT), f"({len(cases)} tensors)")


def make_adamw():
    """One AdamW step with weight decay after global grad-norm clipping, from torch.optim."""
    g = torch.Generator().manual_seed(99)
    p0 = torch.randn(7, 5, generator=g)
    p1 = torch.randn(5, generator=g)
    grads = [torch.randn(7, 5, generator=g) * 3, torch.randn(5, generator=g) * 3]
    params = [p0.clone().requires_grad_(), p1.clone().requires_grad_()]
    opt = torch.optim.AdamW(params, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.1)
    out = {"p0.before": p0, "p1.before": p1, "g0": grads[0], "g1": grads[1]}
    for step in range(3):
        for p, gr in zip(params, grads):
            p.grad = gr.clone() * (step + 1)
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm=1.0)
        out[f"norm{step}"] = norm.reshape(1)
        opt.step()
        out[f"p0.after{step}"] = params[0].detach().clone()
        out[f"p1.after{step}"] = params[1].detach().clone()
    path = out_path("optim", "adamw.safetensors")
    save_file({k: v.contiguous() for k, v in out.items()}, path, metadata={"lr": "0.01", "weight_decay": "0.1", "max_norm": "1.0"})
    print("wrote", os.path.relpath(path, ROOT))


def check_safetensors(path):
    """Loads a t2i-written file strictly with Python's safetensors and prints every tensor."""
    with safe_open(path, framework="pt") as f:
        print("metadata:", f.metadata())
    for name, t in sorted(load_file(path).items()):
        print(f"{name}: dtype={t.dtype} shape={list(t.shape)} values={t.flatten().tolist()}")


GROUPS = {"safetensors": make_safetensors, "ops": make_ops, "adamw": make_adamw}


def load_group_modules():
    """Adds the groups defined in scripts/fixtures/*.py: each module defines GROUPS = {name: fn},
    where fn(out_path) writes its files through out_path(*parts)."""
    import importlib.util
    folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
    if not os.path.isdir(folder):
        return
    for file in sorted(os.listdir(folder)):
        if not file.endswith(".py") or file.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"fixtures_{file[:-3]}", os.path.join(folder, file))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, fn in module.GROUPS.items():
            GROUPS[name] = (lambda fn=fn: fn(out_path))


load_group_modules()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("groups", nargs="*", help=f"fixture groups to write (default all: {', '.join(GROUPS)})")
    parser.add_argument("--check-safetensors", metavar="FILE", help="read a t2i-written file and print it")
    args = parser.parse_args()
    if args.check_safetensors:
        check_safetensors(args.check_safetensors)
        return
    for name in args.groups or GROUPS:
        if name not in GROUPS:
            sys.exit(f"unknown fixture group '{name}' (known: {', '.join(GROUPS)})")
        torch.manual_seed(0)
        GROUPS[name]()


if __name__ == "__main__":
    main()
