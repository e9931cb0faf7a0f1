"""Charts of the evidence: SVG drawn on the server with pygal, shown as images beside tables of the same numbers.

pygal (LGPL, maintained by Kozea since 2012) writes SVG in pure Python, with
bars and 95% intervals (its `ci` values) and no numerical library to pull
in. Its SVG carries its own style sheet and a script, which the pages'
Content-Security-Policy (no inline style or script) would block in the page
itself; as an <img> (a data: URI, which the policy's img-src allows) the SVG
is rendered with its styles and its script never runs. Every chart has a
text alternative, and the page gives the same numbers as a table.

Bars whose number of evaluations is below the minimum are drawn pale: they
are shown, never presented as findings.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass

import pygal
from pygal.style import Style

from service.evidence.schemas import CRITERIA, EvidenceOut, EvidenceOverviewOut, Stat

FOLLOWED, NOT_FOLLOWED = "#1b6ca8", "#d95f02"          # a colour-blind-safe pair
PALE = {FOLLOWED: "#b7d0e4", NOT_FOLLOWED: "#f2c6a3"}
STYLE = Style(background="white", plot_background="white", foreground="#1a1a1a", foreground_strong="#1a1a1a",
              foreground_subtle="#6b6b6b", colors=(FOLLOWED, NOT_FOLLOWED), font_family="DejaVu Sans, sans-serif",
              label_font_size=12, major_label_font_size=12, legend_font_size=13, value_font_size=11,
              tooltip_font_size=12, title_font_size=15)


@dataclass(frozen=True)
class Chart:
    """An SVG chart ready for <img src=...>, with its text alternative."""

    uri: str
    alt: str
    svg: str


def _chart(chart: pygal.Graph, alt: str) -> Chart:
    svg = chart.render(is_unicode=True)
    return Chart("data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii"), alt, svg)


def _bar(stat: Stat, color: str) -> dict | None:
    if stat.mean is None:
        return None
    value: dict = {"value": stat.mean, "color": color if stat.finding else PALE[color],
                   "label": f"n={stat.n}" + ("" if stat.finding else " (too few to be a finding)")}
    if stat.low is not None and stat.high is not None:
        value["ci"] = {"low": stat.low, "high": stat.high}
    return value


def _base(kind: type, labels: list[str], height: int, **options) -> pygal.Graph:
    """A horizontal chart whose first label is at the top (pygal draws the first at the bottom: every series
    is added reversed, see _add)."""
    return kind(style=STYLE, width=760, height=height, explicit_size=True, js=[], disable_xml_declaration=True,
                legend_at_bottom=True, legend_at_bottom_columns=2, x_labels=list(reversed(labels)),
                truncate_label=-1, print_values=False, **options)


def _add(chart: pygal.Graph, title: str, values: list) -> None:
    chart.add(title, list(reversed(values)))


def outcomes_chart(evidence: EvidenceOut) -> Chart:
    """Mean scores (1-5) where the advice was followed and where not, per criterion and overall."""
    measures = ["overall", *[c for c in CRITERIA if evidence.outcomes[c].followed.n or evidence.outcomes[c].not_followed.n]]
    labels = [m.replace("_", " ") for m in measures]
    chart = _base(pygal.HorizontalBar, labels, 120 + 46 * len(measures), range=(0, 5))
    _add(chart, f"followed ({evidence.followed} decisions)",
         [_bar(evidence.outcomes[m].followed, FOLLOWED) for m in measures])
    _add(chart, f"not followed ({evidence.not_followed})",
         [_bar(evidence.outcomes[m].not_followed, NOT_FOLLOWED) for m in measures])
    parts = []
    for m, label in zip(measures, labels):
        o = evidence.outcomes[m]
        parts.append(f"{label}: followed {_said(o.followed)}, not followed {_said(o.not_followed)}")
    return _chart(chart, f"Mean scores from 1 to 5 for {evidence.label}, where the advice was followed and where "
                         f"not, with 95% intervals. " + "; ".join(parts) + ".")


def context_chart(evidence: EvidenceOut, dimension: str) -> Chart | None:
    """The overall score by the context's value on one dimension, followed against not followed."""
    rows = evidence.by_context.get(dimension) or []
    if not rows:
        return None
    chart = _base(pygal.HorizontalBar, [r.value.replace("_", " ") for r in rows], 120 + 46 * len(rows), range=(0, 5))
    _add(chart, "followed", [_bar(r.score_followed, FOLLOWED) for r in rows])
    _add(chart, "not followed", [_bar(r.score_not_followed, NOT_FOLLOWED) for r in rows])
    parts = [f"{r.value}: followed {_said(r.score_followed)}, not followed {_said(r.score_not_followed)}" for r in rows]
    return _chart(chart, f"Overall score of {evidence.label} by {dimension.replace('_', ' ')}, followed against not "
                         "followed. " + "; ".join(parts) + ".")


def followed_chart(overview: EvidenceOverviewOut, kind: str = "techniques", top: int = 15) -> Chart | None:
    """How many evaluated decisions followed each piece of advice and how many dropped it (the most evaluated)."""
    rows = [r for r in getattr(overview, kind) if r.followed or r.not_followed]
    rows = sorted(rows, key=lambda r: (-(r.followed + r.not_followed), r.code))[:top]
    if not rows:
        return None
    chart = _base(pygal.HorizontalStackedBar, [r.label for r in rows], 120 + 34 * len(rows))
    _add(chart, "followed", [r.followed for r in rows])
    _add(chart, "dropped", [r.not_followed for r in rows])
    parts = [f"{r.label}: followed in {r.followed}, dropped in {r.not_followed}" for r in rows]
    return _chart(chart, f"Evaluated decisions in which each {kind[:-1]} was followed or dropped. "
                         + "; ".join(parts) + ".")


def _said(stat: Stat) -> str:
    if stat.mean is None:
        return "no evaluation"
    span = f" (95% interval {stat.low:.2f} to {stat.high:.2f})" if stat.low is not None else ""
    return f"{stat.mean:.2f}{span} from {stat.n}" + ("" if stat.finding else ", too few to be a finding")
