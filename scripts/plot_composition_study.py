"""Plots the composition study's results.csv (scripts/composition_study.sh) as Imagen shows it.

    python scripts/plot_composition_study.py runs/study/results.csv docs/composition-study.png

One panel per question the runs answer: two-object prompts fully right against the text
encoder's size (runs base and te-*), against the U-Net's size (base and unet-*), against the share
of two-object images in the data (base and pairs-NN: a run named pairs-NN holds NN % two-object
images, every other run the study configs' 40 %); every run at the guidance scale most runs were
scored at (two objects, held-out combinations, single objects); and, when the study scored several guidance scales, two
objects and held-out combinations against guidance, one colour per run (dropout-NN: the caption
dropped for NN % of the images, every other run 10 %). Needs matplotlib (not used by CI).
"""
import csv
import math
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402


def main(source, target):
    with open(source, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        sys.exit(f"{source}: no results")
    for row in rows:
        for key in ("clip_params", "unet_params", "guidance", "single_full", "pairs_full", "held_out_full"):
            row[key] = float(row[key]) if row.get(key) not in (None, "") else float("nan")
    guidances = sorted({r["guidance"] for r in rows})
    # each run at the guidance scale the most runs were scored at (so rows compare at one scale),
    # else at the first it was scored at
    common = max(guidances, key=lambda g: len({r["run"] for r in rows if r["guidance"] == g}))
    default = {}
    for r in rows:
        default.setdefault(r["run"], r)
        if r["guidance"] == common:
            default[r["run"]] = r
    sweep = len(guidances) > 1
    panels = []
    if any(name.startswith("te-") for name in default):
        panels.append("te")
    if any(name.startswith("unet-") for name in default):
        panels.append("unet")
    if any(re.fullmatch(r"pairs-\d+", name) for name in default):
        panels.append("pairs")
    panels.append("runs")
    if sweep:
        panels.append("guidance")
    fig, axes = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 4.2), squeeze=False)
    axis = dict(zip(panels, axes[0]))

    def scaling(ax, prefix, key, label):
        runs = sorted((r for name, r in default.items() if name == "base" or name.startswith(prefix)), key=lambda r: r[key])
        x = [r[key] / 1e6 for r in runs]
        ax.plot(x, [r["pairs_full"] for r in runs], "o-", label="two objects fully right")
        ax.plot(x, [r["held_out_full"] for r in runs], "s--", label="held-out combinations")
        for r, xi in zip(runs, x):
            ax.annotate(r["run"], (xi, r["pairs_full"]), textcoords="offset points", xytext=(4, 4), fontsize=8)
        ax.set_xscale("log")
        # millions as plain numbers at 1, 2, 5, 10, …, not 2×10⁰
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(
            lambda value, _: f"{value:g}" if round(value / 10 ** math.floor(math.log10(value))) in (2, 5) else ""))
        ax.set_xlabel(label)
        ax.set_ylabel("% right")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)

    if "te" in axis:
        scaling(axis["te"], "te-", "clip_params", "CLIP parameters (text + image towers), millions")
        axis["te"].set_title("adherence against text-encoder size")
    if "unet" in axis:
        scaling(axis["unet"], "unet-", "unet_params", "U-Net parameters, millions")
        axis["unet"].set_title("adherence against U-Net size")
    if "pairs" in axis:
        ax = axis["pairs"]

        def share(name):
            match = re.fullmatch(r"pairs-(\d+)", name)
            return int(match.group(1)) if match else 40

        runs = sorted((r for name, r in default.items() if name == "base" or re.fullmatch(r"pairs-\d+", name)),
                      key=lambda r: share(r["run"]))
        x = [share(r["run"]) for r in runs]
        ax.plot(x, [r["pairs_full"] for r in runs], "o-", label="two objects fully right")
        ax.plot(x, [r["single_full"] for r in runs], "^:", label="single objects fully right")
        ax.plot(x, [r["held_out_full"] for r in runs], "s--", label="held-out combinations")
        ax.set_xlabel("two-object images in the data, %")
        ax.set_ylabel("% right")
        ax.set_xlim(0, 100)
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title("adherence against the data mix")

    names = sorted(default)
    width = 0.27
    ax = axis["runs"]
    for k, (key, label) in enumerate((("pairs_full", "two objects"), ("held_out_full", "held out"), ("single_full", "single"))):
        ax.bar([i + (k - 1) * width for i in range(len(names))], [default[n][key] for n in names], width, label=label)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 100)
    ax.set_ylabel("% fully right")
    ax.set_title(f"every run at guidance {common:g}")
    ax.legend(fontsize=8)

    if sweep:
        ax = axis["guidance"]
        for index, name in enumerate(names):
            some = sorted((r for r in rows if r["run"] == name), key=lambda r: r["guidance"])
            if len(some) < 2:
                continue
            colour = f"C{index % 10}"
            ax.plot([r["guidance"] for r in some], [r["pairs_full"] for r in some], "o-", color=colour, label=f"{name}: two objects")
            ax.plot([r["guidance"] for r in some], [r["held_out_full"] for r in some], "s--", color=colour, label=f"{name}: held out")
        ax.set_xlabel("guidance scale")
        ax.set_ylabel("% fully right")
        ax.set_ylim(0, 100)
        ax.grid(alpha=0.3)
        ax.set_title("guidance")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(target, dpi=90)
    print(f"wrote {target}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: plot_composition_study.py RESULTS.csv OUT.png")
    main(sys.argv[1], sys.argv[2])
