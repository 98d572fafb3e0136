"""Plots the composition study's results.csv (scripts/composition_study.sh) as Imagen shows it.

    python scripts/plot_composition_study.py runs/study/results.csv docs/composition-study.png

Left: two-object prompts fully right against the text encoder's size (runs base and te-*); middle:
against the U-Net's size (base and unet-*); right: every run at its config's guidance (two
objects, held-out combinations, single objects), and, when the study scored several guidance
scales, two objects against guidance. Needs matplotlib (not used by CI).
"""
import csv
import math
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
    # each run at the guidance most of its rows share: its config's, the first scored
    default = {}
    for r in rows:
        default.setdefault(r["run"], r)
    sweep = len(guidances) > 1
    fig, axes = plt.subplots(1, 4 if sweep else 3, figsize=(18 if sweep else 14, 4.2))

    def scaling(ax, prefix, key, label):
        runs = sorted((r for name, r in default.items() if name == "base" or name.startswith(prefix)), key=lambda r: r[key])
        if not runs:
            ax.set_title(f"no base or {prefix}* runs")
            return
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

    scaling(axes[0], "te-", "clip_params", "CLIP parameters (text + image towers), millions")
    axes[0].set_title("adherence against text-encoder size")
    scaling(axes[1], "unet-", "unet_params", "U-Net parameters, millions")
    axes[1].set_title("adherence against U-Net size")

    names = sorted(default)
    width = 0.27
    for k, (key, label) in enumerate((("pairs_full", "two objects"), ("held_out_full", "held out"), ("single_full", "single"))):
        axes[2].bar([i + (k - 1) * width for i in range(len(names))], [default[n][key] for n in names], width, label=label)
    axes[2].set_xticks(range(len(names)))
    axes[2].set_xticklabels(names, rotation=45, ha="right", fontsize=8)
    axes[2].set_ylim(0, 100)
    axes[2].set_ylabel("% fully right")
    axes[2].set_title("every run")
    axes[2].legend(fontsize=8)

    if sweep:
        for name in names:
            some = sorted((r for r in rows if r["run"] == name), key=lambda r: r["guidance"])
            axes[3].plot([r["guidance"] for r in some], [r["pairs_full"] for r in some], "o-", label=name)
        axes[3].set_xlabel("guidance scale")
        axes[3].set_ylabel("two objects fully right, %")
        axes[3].set_ylim(0, 100)
        axes[3].set_title("guidance")
        axes[3].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(target, dpi=90)
    print(f"wrote {target}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: plot_composition_study.py RESULTS.csv OUT.png")
    main(sys.argv[1], sys.argv[2])
