#!/usr/bin/env python3
"""Load test for `t2i serve` (Python standard library only).

50 concurrent clients each send 4 POST /sdapi/v1/txt2img requests; every answer must be 200 (an
image) or 429 (queue full). Prints the counts, latency percentiles, the server's resident memory
before and after (from /proc/PID/status, when the server runs on this machine), and checks that
the server still answers afterwards.

    scripts/serve_load.py --url http://127.0.0.1:7860 [--pid PID] [--clients 50] [--requests 4] [--steps 10] [--token T]
"""
import argparse
import base64
import json
import sys
import threading
import time
import urllib.error
import urllib.request


def rss_kib(pid):
    if not pid:
        return None
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def call(url, path, body=None, token=None, timeout=600):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method="GET" if body is None else "POST")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:7860")
    parser.add_argument("--pid", type=int, help="the server's process id, for its memory")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--token")
    args = parser.parse_args()

    before = rss_kib(args.pid)
    results = []  # (status, seconds, ok)
    lock = threading.Lock()
    start = threading.Barrier(args.clients)

    def client(index):
        start.wait()
        for r in range(args.requests):
            body = {"prompt": "a large red circle in the center on a white background", "seed": index * 100 + r,
                    "steps": args.steps, "batch_size": 1}
            began = time.monotonic()
            try:
                status, payload = call(args.url, "/sdapi/v1/txt2img", body, args.token)
            except Exception as error:  # a dropped connection counts as a failure
                status, payload = None, str(error).encode()
            seconds = time.monotonic() - began
            ok = False
            if status == 200:
                answer = json.loads(payload)
                png = base64.b64decode(answer["images"][0])
                ok = png.startswith(b"\x89PNG\r\n\x1a\n")
            elif status == 429:
                ok = "error" in json.loads(payload)
            with lock:
                results.append((status, seconds, ok))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    peak = before or 0
    while any(t.is_alive() for t in threads):
        now = rss_kib(args.pid)
        if now:
            peak = max(peak, now)
        time.sleep(0.05)
    for t in threads:
        t.join()
    wall = time.monotonic() - began
    after = rss_kib(args.pid)

    statuses = {}
    for status, _, _ in results:
        statuses[status] = statuses.get(status, 0) + 1
    bad = [r for r in results if not r[2]]
    for label, wanted in (("200", 200), ("429", 429)):
        latencies = [s for st, s, _ in results if st == wanted]
        if latencies:
            print(f"{label}: {len(latencies):4d}  latency p50 {percentile(latencies, 50):.3f} s  p90 {percentile(latencies, 90):.3f} s"
                  f"  p99 {percentile(latencies, 99):.3f} s  max {max(latencies):.3f} s")
    print(f"requests {len(results)} in {wall:.1f} s; statuses {dict(sorted(statuses.items(), key=lambda kv: str(kv[0])))}; "
          f"not 200-with-PNG or 429-with-error: {len(bad)}")
    if before is not None:
        print(f"server RSS before {before / 1024:.1f} MiB, peak {peak / 1024:.1f} MiB, after {after / 1024:.1f} MiB")

    status, payload = call(args.url, "/sdapi/v1/txt2img", {"prompt": "a small blue square in the top left on a black background",
                                                           "seed": 1, "steps": args.steps}, args.token)
    still = status == 200 and base64.b64decode(json.loads(payload)["images"][0]).startswith(b"\x89PNG")
    print(f"afterwards: txt2img {status} ({'a PNG' if still else 'NO IMAGE'})")
    return 0 if not bad and still and len(results) == args.clients * args.requests else 1


if __name__ == "__main__":
    sys.exit(main())
