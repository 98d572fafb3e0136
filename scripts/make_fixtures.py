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


def check_safetensors(path):
    """Loads a t2i-written file strictly with Python's safetensors and prints every tensor."""
    with safe_open(path, framework="pt") as f:
        print("metadata:", f.metadata())
    for name, t in sorted(load_file(path).items()):
        print(f"{name}: dtype={t.dtype} shape={list(t.shape)} values={t.flatten().tolist()}")


GROUPS = {"safetensors": make_safetensors}


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
