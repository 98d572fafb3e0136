#!/usr/bin/env python3
"""Calls `t2i serve` the way Open WebUI calls AUTOMATIC1111 (its images router, engine
"automatic1111"): GET /sdapi/v1/options for sd_model_checkpoint, GET /sdapi/v1/sd-models, POST the
options back with the checkpoint, then POST /sdapi/v1/txt2img with {prompt, batch_size, width,
height, steps, negative_prompt} and an `authorization` header that is empty without credentials or
HTTP Basic with them. Decodes every returned PNG and prints its size and the prompt it records.

    scripts/a1111_client.py --url http://127.0.0.1:7860 [--auth user:token] [--size 32x32] [--steps 20] [--n 2]

Needs `requests` and Pillow (pip install requests pillow).
"""
import argparse
import base64
import io
import json
import sys

import requests
from PIL import Image


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--auth", help="user:password, as Open WebUI's AUTOMATIC1111_API_AUTH (t2i serve --token: any user, the token)")
    parser.add_argument("--prompt", default="a small green triangle on the left on a gray background")
    parser.add_argument("--negative-prompt", default="blurry")
    parser.add_argument("--size", default="32x32", help="Open WebUI's IMAGE_SIZE (its default 512x512 is refused: this model makes 32x32)")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--n", type=int, default=2)
    args = parser.parse_args()

    base = args.url.rstrip("/")
    auth = "" if not args.auth else "Basic " + base64.b64encode(args.auth.encode("utf-8")).decode("utf-8")
    headers = {"authorization": auth}
    session = requests.Session()
    session.trust_env = False  # a local server: no proxy

    r = session.get(f"{base}/sdapi/v1/options", headers=headers)
    if r.status_code != 200:
        print(f"options: HTTP {r.status_code}: {r.json().get('error')}")
        return 1
    options = r.json()
    model = options["sd_model_checkpoint"]
    models = session.get(f"{base}/sdapi/v1/sd-models", headers=headers).json()
    print("models:", [{"id": m["title"], "name": m["model_name"]} for m in models])
    options["sd_model_checkpoint"] = model
    r = session.post(f"{base}/sdapi/v1/options", json=options, headers=headers)
    r.raise_for_status()

    width, height = tuple(map(int, args.size.split("x")))
    data = {"prompt": args.prompt, "batch_size": args.n, "width": width, "height": height}
    if args.steps is not None:
        data["steps"] = args.steps
    if args.negative_prompt is not None:
        data["negative_prompt"] = args.negative_prompt
    r = session.post(f"{base}/sdapi/v1/txt2img", json=data, headers=headers)
    res = r.json()
    if r.status_code != 200:
        print(f"txt2img: HTTP {r.status_code}: {res.get('error')}")
        return 1
    info = json.loads(res["info"])
    ok = True
    for i, image in enumerate(res["images"]):
        png = base64.b64decode(image.split(",", 1)[1] if "," in image else image)
        picture = Image.open(io.BytesIO(png))
        picture.load()
        recorded = picture.info.get("t2i:prompt")
        print(f"image {i}: {picture.format} {picture.size[0]}x{picture.size[1]} {picture.mode}, seed {info['all_seeds'][i]}, "
              f"t2i:prompt = {recorded!r}")
        print(f"  parameters: {picture.info.get('parameters')}")
        ok = ok and picture.format == "PNG" and recorded == args.prompt
    print("OK: every PNG decodes and records the prompt" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
