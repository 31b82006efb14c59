"""Charts of the report as PNG files (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from bot.reports.cells import vn_number  # noqa: E402
from bot.reports.fonts import serif  # noqa: E402
from bot.reports.outline import Chart  # noqa: E402

COLOURS = ("#1f4e79", "#9dc3e6", "#c00000", "#7f7f7f")
WIDTH_IN, DPI = 6.3, 150  # 16 cm wide on the page, sharp when printed


def _wrap(label: str, width: int = 28) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def draw(chart: Chart, path: Path) -> Path:
    plt.rcParams.update(
        {
            "font.family": serif()[0],
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    if chart.kind == "hbars":
        fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.9 + 0.38 * len(chart.categories)))
        _hbars(ax, chart)
    else:
        fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.4))
        _bars(ax, chart)
    ax.set_title(chart.title, fontsize=11, fontweight="bold")
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _number_axis(axis: Axis, percent: bool) -> None:
    if percent:
        axis.set_major_formatter(FuncFormatter(lambda v, _: vn_number(v * 100) + "%"))
    else:
        axis.set_major_locator(MaxNLocator(integer=True))
        axis.set_major_formatter(FuncFormatter(lambda v, _: vn_number(v)))


def _bars(ax: Axes, chart: Chart) -> None:
    n = len(chart.series)
    positions = range(len(chart.categories))
    width = 0.7 if chart.stacked else 0.8 / n
    bottoms = [0.0] * len(chart.categories)
    for i, (legend, raw) in enumerate(chart.series):
        values = [v or 0 for v in raw]
        if chart.stacked:
            xs: list[float] = list(positions)
            bars = ax.bar(
                xs, values, width, bottom=bottoms, label=legend, color=COLOURS[i % len(COLOURS)]
            )
            bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
        else:
            xs = [p - 0.4 + width * (i + 0.5) for p in positions]
            bars = ax.bar(xs, values, width, label=legend, color=COLOURS[i % len(COLOURS)])
        # No label where there is nothing to show: no figure, or an empty stacked segment.
        labels = [
            ""
            if r is None or (chart.stacked and not r)
            else (vn_number(r * 100, 1) + "%")
            if chart.percent
            else vn_number(r)
            for r in raw
        ]
        ax.bar_label(
            bars,
            labels=labels,
            label_type="center" if chart.stacked else "edge",
            fontsize=8,
            color="white" if chart.stacked and i == 0 else "black",
        )
    if chart.targets:
        for p, target in zip(positions, chart.targets, strict=True):
            ax.hlines(
                target,
                p - 0.45,
                p + 0.45,
                colors=COLOURS[2],
                linestyles="--",
                linewidth=1.6,
                label=chart.target_legend if p == 0 else "",  # "": no legend entry
            )
        ax.set_ylim(0, 1.1)
    ax.set_xticks(
        list(positions),
        [_wrap(c, 30 if len(chart.categories) < 4 else 18) for c in chart.categories],
        fontsize=9,
    )
    _number_axis(ax.yaxis, chart.percent)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _hbars(ax: Axes, chart: Chart) -> None:
    legend, values = chart.series[0]
    labels = [_wrap(c, 45) for c in chart.categories][::-1]
    bars = ax.barh(labels, [v or 0 for v in values][::-1], color=COLOURS[0], label=legend)
    ax.bar_label(bars, labels=[vn_number(v or 0) for v in values][::-1], padding=3, fontsize=8)
    ax.tick_params(axis="y", labelsize=9)
    _number_axis(ax.xaxis, chart.percent)
