"""The report's theatre map: what happened at each base in a run, over the shipped coastline.

Encoding (the dashboard's map uses the same one):

- fill colour: the median share of the aircraft based there destroyed on the ground
  (:data:`~straitsim.report.bases.LOSS_COLOURS`, 0 to 100%); hollow: no aircraft based there
  under the run's roles;
- marker size: the median number of PRC land-attack missiles arriving (after missile
  defence), area proportional to missiles;
- marker shape: air base, civil airfield, carrier groups at sea (embarked aircraft lost
  with their carriers), PRC mainland airbases (aggregate).

The left panel shows the whole theatre, the right one Taiwan and the Ryukyus, where most
bases crowd together; bases with losses or missiles there are labelled with their median
aircraft lost on the ground.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from straitsim.report import geo
from straitsim.report.bases import LOSS_COLOURS

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.colors import Colormap
    from matplotlib.figure import Figure

# no URL in the PNG's text chunks: reports must carry no external reference
PNG_METADATA = {"Software": "straitsim (matplotlib)"}
THEATRE_BOX = (100.0, 160.0, -36.0, 46.0)  # lon min, lon max, lat min, lat max
ZOOM_BOX = (117.5, 131.0, 21.0, 28.8)  # Taiwan, the Ryukyus, the carrier groups
MARKERS = {"air": "o", "civil": "D", "carrier": "^", "mainland": "s"}
KIND_LABELS = {
    "air": "air base",
    "civil": "civil airfield",
    "carrier": "carrier groups at sea (embarked aircraft lost with their carriers)",
    "mainland": "PRC mainland airbases (aggregate)",
}
SIZE_KEY_MISSILES = (0, 50, 200, 500)
HOLLOW_EDGE = "#566573"


@functools.cache
def loss_cmap() -> Colormap:
    """Colour map of the share of a base's aircraft lost (built on first use)."""
    from matplotlib.colors import LinearSegmentedColormap  # matplotlib loads on first plot

    return LinearSegmentedColormap.from_list("straitsim_loss", LOSS_COLOURS)


def marker_diameter_pt(missiles: float) -> float:
    """Marker diameter in points for a median count of missiles received (area ~ missiles)."""
    return 7.0 + 1.1 * math.sqrt(max(0.0, min(float(missiles), 3000.0)))


def short_name(name: str) -> str:
    """Shorten a base's name for a map label: no parenthetical, no "Air Base" and the like."""
    short = name.split(" (")[0].split(",")[0]
    for word in (" Air Force Base", " Air Base", " AFB", "Marine Corps Air Station ", "RAAF Base "):
        short = short.replace(word, "")
    return short.strip()


def _median(q: Mapping[str, float] | None) -> float:
    return float(q["median"]) if q else 0.0


def _draw_land(ax: Axes, box: tuple[float, float, float, float]) -> None:
    from matplotlib.patches import Polygon  # matplotlib loads on first plot

    ax.set_facecolor("#eaf2f8")
    for ring in geo.layer("land", box):
        ax.add_patch(Polygon(ring, closed=True, facecolor="#f4f1e8", edgecolor="none", zorder=1))
    for line in geo.layer("coastlines", box):
        ax.plot(line[:, 0], line[:, 1], color="#7f8c8d", linewidth=0.5, zorder=2)
    lon0, lon1, lat0, lat1 = box
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(1.0)
    ax.tick_params(labelsize=7)


def _inside(b: Mapping[str, Any], box: tuple[float, float, float, float]) -> bool:
    lon0, lon1, lat0, lat1 = box
    return bool(lon0 <= b["lon"] <= lon1 and lat0 <= b["lat"] <= lat1)


def _draw_bases(ax: Axes, bases: Sequence[Mapping[str, Any]], has_results: bool) -> None:
    from matplotlib.colors import Normalize  # matplotlib loads on first plot

    norm = Normalize(0.0, 1.0)
    # big markers first, so small ones stay visible on top
    for b in sorted(bases, key=lambda r: -_median(r.get("missiles_received"))):
        share = b.get("share_lost_on_ground")
        if not has_results:
            face, edge, width = "#bdc3c7", "black", 0.5
        elif share is None:
            face, edge, width = "white", HOLLOW_EDGE, 1.0
        else:
            face, edge, width = loss_cmap()(norm(min(1.0, share["median"]))), "black", 0.6
        d = marker_diameter_pt(_median(b.get("missiles_received")))
        ax.scatter(
            b["lon"],
            b["lat"],
            s=d * d,
            color=face,
            marker=MARKERS.get(b["kind"], "o"),
            edgecolors=edge,
            linewidths=width,
            zorder=3,
        )


def _label(
    ax: Axes, bases: Sequence[Mapping[str, Any]], box: tuple[float, float, float, float]
) -> None:
    """Label bases with losses or missiles: name and median aircraft lost on the ground.

    Labels go beside their marker (left on Taiwan's west coast and near the right edge, else
    right), moved up or down by whole label heights until they clear the ones placed already.
    """
    lon0, lon1, lat0, lat1 = box
    ax.apply_aspect()
    height_pt = ax.get_window_extent().height * 72.0 / ax.figure.dpi
    step = 11.0 * (lat1 - lat0) / max(height_pt, 1.0)  # one 7-pt label line, in degrees
    width = lon1 - lon0
    placed: list[tuple[float, float, int]] = []
    for b in sorted(bases, key=lambda r: -_median(r.get("aircraft_lost_on_ground"))):
        lost, mis = _median(b.get("aircraft_lost_on_ground")), _median(b.get("missiles_received"))
        if not _inside(b, box) or (lost < 0.5 and mis < 0.5):
            continue
        west = b["kind"] != "carrier" and 119.0 < b["lon"] < 121.0
        side = -1 if west or b["lon"] > lon0 + 0.8 * width else 1
        gap = (marker_diameter_pt(mis) / 2 + 6) * width / max(height_pt, 1.0)
        for k in range(40):
            y = b["lat"] + step * ((k + 1) // 2) * (1 if k % 2 else -1)
            if not any(
                abs(y - py) < step and ps == side and abs(b["lon"] - px) < 0.25 * width
                for px, py, ps in placed
            ):
                break
        placed.append((b["lon"], y, side))
        name = "Carrier groups" if b["kind"] == "carrier" else short_name(b["name"])
        ax.annotate(
            f"{name} {lost:.0f}",
            (b["lon"], b["lat"]),
            xytext=(b["lon"] + side * gap, y),
            textcoords="data",
            ha="left" if side > 0 else "right",
            va="center",
            fontsize=7,
            color="#1c2833",
            zorder=4,
            arrowprops={"arrowstyle": "-", "color": "#7f8c8d", "linewidth": 0.5},
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
        )


def _legend(ax: Axes, fig: Figure, has_results: bool, kinds: set[str]) -> None:
    from matplotlib.cm import ScalarMappable  # matplotlib loads on first plot
    from matplotlib.colors import Normalize  # matplotlib loads on first plot
    from matplotlib.lines import Line2D  # matplotlib loads on first plot

    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    if has_results:
        cax = ax.inset_axes((0.05, 0.86, 0.9, 0.07))
        sm = ScalarMappable(norm=Normalize(0, 100), cmap=loss_cmap())
        cb = fig.colorbar(sm, cax=cax, orientation="horizontal")
        cb.ax.tick_params(labelsize=7)
        cb.set_label(
            "fill: aircraft destroyed on the ground, median % of those based there", fontsize=8
        )
        ax.text(
            0.5,
            0.62,
            "size: PRC land-attack missiles received (median, after missile defence)",
            ha="center",
            fontsize=8,
        )
        xs = [0.2 + 0.2 * i for i in range(len(SIZE_KEY_MISSILES))]
        for x, m in zip(xs, SIZE_KEY_MISSILES, strict=True):
            d = marker_diameter_pt(m)
            ax.scatter(x, 0.47, s=d * d, color="#d5d8dc", edgecolors="black", linewidths=0.5)
            ax.text(x, 0.33, f"{m:,}", ha="center", fontsize=7)
    shapes = [
        Line2D(
            [],
            [],
            linestyle="",
            marker=MARKERS[k],
            markersize=7,
            markerfacecolor="#fd8d3c" if has_results else "#bdc3c7",
            markeredgecolor="black",
            markeredgewidth=0.5,
            label=KIND_LABELS[k],
        )
        for k in MARKERS
        if k in kinds
    ]
    if has_results:
        shapes.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="o",
                markersize=7,
                markerfacecolor="white",
                markeredgecolor=HOLLOW_EDGE,
                markeredgewidth=1.0,
                label="hollow: no aircraft based there under these roles",
            )
        )
    ax.legend(
        handles=shapes,
        loc="upper left",
        bbox_to_anchor=(0.02, 0.24 if has_results else 0.95),
        ncol=2,
        fontsize=7,
        frameon=False,
        title=None if has_results else "no per-base results in this summary",
        title_fontsize=8,
    )


def plot_map(
    bases: Sequence[Mapping[str, Any]],
    path: str | Path | None = None,
    box: tuple[float, float, float, float] = THEATRE_BOX,
    title: str = "What happened at each base",
    zoom: tuple[float, float, float, float] | None = ZOOM_BOX,
) -> Figure:
    """Theatre map of a run: bases coloured by share of aircraft lost, sized by missiles.

    Parameters
    ----------
    bases : sequence of dict
        Records from :func:`straitsim.report.bases.base_results` (``base_status`` records
        without results draw as plain grey markers at the smallest size).
    path : str or Path, optional
        Where to save the PNG.
    box : tuple of float
        ``(lon_min, lon_max, lat_min, lat_max)`` of the theatre panel; bases outside are
        listed under the map with their numbers.
    title : str
        Figure title.
    zoom : tuple of float, optional
        Box of the close-up panel (Taiwan and the Ryukyus by default; ``None``: no close-up).

    Returns
    -------
    matplotlib.figure.Figure
        The figure (the theatre panel first).
    """
    from matplotlib.figure import Figure  # matplotlib loads on first plot
    from matplotlib.patches import Rectangle  # matplotlib loads on first plot

    has_results = any(b.get("aircraft_lost_on_ground") is not None for b in bases)
    if zoom is None:
        fig = Figure(figsize=(8.5, 9.5))
        grid = fig.add_gridspec(2, 1, height_ratios=(4.2, 1.0))
        ax, leg_ax = fig.add_subplot(grid[0]), fig.add_subplot(grid[1])
    else:
        fig = Figure(figsize=(13, 9))
        grid = fig.add_gridspec(2, 2, width_ratios=(1.0, 1.45), height_ratios=(1.5, 0.85))
        ax = fig.add_subplot(grid[:, 0])
        zax, leg_ax = fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[1, 1])
    _draw_land(ax, box)
    inside = [b for b in bases if _inside(b, box)]
    _draw_bases(ax, inside, has_results)
    ax.set_xlabel("longitude (deg E)", fontsize=8)
    ax.set_ylabel("latitude (deg N)", fontsize=8)
    ax.set_title("Theatre", fontsize=9)
    if zoom is not None:
        z0, z1, y0, y1 = zoom
        ax.add_patch(
            Rectangle((z0, y0), z1 - z0, y1 - y0, fill=False, edgecolor="#34495e", lw=0.8, ls="--")
        )
        _draw_land(zax, zoom)
        _draw_bases(zax, [b for b in bases if _inside(b, zoom)], has_results)
        zax.set_title(
            "Taiwan and the Ryukyus (dashed box); labels: median aircraft lost on the ground",
            fontsize=9,
        )
    _legend(leg_ax, fig, has_results, {b["kind"] for b in bases})
    outside = [b for b in bases if not _inside(b, box)]
    note = geo.COASTLINE_SOURCE
    if outside:
        listed = []
        for b in outside:
            lost, mis = b.get("aircraft_lost_on_ground"), b.get("missiles_received")
            nums = (
                f": {lost['median']:.0f} aircraft lost, {mis['median']:.0f} missiles"
                if (lost and mis)
                else ""
            )
            listed.append(short_name(b["name"]) + nums)
        note = "Not shown: " + "; ".join(listed) + ".\n" + note
    fig.suptitle(title, fontsize=10)
    fig.text(0.01, 0.005, note, fontsize=7, color="#555555")
    fig.tight_layout(rect=(0, 0.035, 1, 1))
    if has_results:  # after the layout: labels are spaced in points
        if zoom is None:
            _label(ax, inside, box)
        else:
            _label(zax, bases, zoom)
            _label(ax, [b for b in inside if not _inside(b, zoom)], box)
    if path is not None:
        fig.savefig(path, dpi=120, metadata=PNG_METADATA)
    return fig
