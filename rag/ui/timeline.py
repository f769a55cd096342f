"""The Timeline tab: the dated claims of the last answer's sources on one time axis.

Two drawings, both inline SVG made here (no chart library, nothing loaded from outside): an
overview with one row per document on a proportional time axis, and below it every point in
date order with its date, its source and its verbatim sentence. A point that is a side of a
disagreement of the answer is red and names the disputed point. Clicking a point opens that
passage in the Document tab, through the same "open-doc" click the Sources panel uses.

Presentation only: the points come from ``rag.timeline``; every piece of document text goes
through ``markup.one_line`` (``html.escape``), so a title or a sentence cannot add markup.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from html import escape

import gradio as gr

from rag.store import StoreUnavailable
from rag.timeline import DatedClaim, build_timeline, sides_off_axis, source_doc_ids
from rag.types import Answer, Document
from rag.ui.assets import OPEN_DOC_JS
from rag.ui.context import UIContext
from rag.ui.markup import one_line
from rag.ui.session import Session

TIMELINE_PLACEHOLDER = (
    "Ask a question on the Ask tab: the dated claims of its sources appear here on one time "
    "axis, oldest first, with the points where the sources disagree marked."
)
NO_DATES = (
    "None of this answer's sources has a date: no sentence names a day, a month or a year, "
    "and no document has a publication date (set one in the Library tab)."
)
DISPUTED = "#c62828"  # a side of a disagreement; no document gets this colour
PALETTE = ("#1f5fa8", "#d98200", "#138a5e", "#8e44ad", "#0096c7", "#7a5c00", "#5d6d7e", "#b3478a")
KIND_NOTES = {"published": "publication date", "side": "as of publication"}

WIDTH = 1000
AXIS_X = 132  # the detail chart's time axis (dates to its left, sources and sentences right)
TEXT_X = 150
WRAP = 112  # characters per sentence line at 13px in the space right of the axis
MAX_LINES = 3
LANE_LABEL_W = 40  # the overview's row numbers
PAD = 24


def colour(rank: int) -> str:
    return PALETTE[rank % len(PALETTE)]


def _source(claim: DatedClaim) -> str:
    """'Outlet — Title' (the title alone when there is no outlet), one line, not escaped."""
    title = " ".join(claim.meta.title.split())
    return f"{claim.meta.outlet} — {title}" if claim.meta.outlet else title


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _lines(text: str) -> list[str]:
    """The sentence wrapped to the chart's width, at most ``MAX_LINES`` (the rest on hover)."""
    lines = textwrap.wrap(" ".join(text.split()), WRAP) or [""]
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], _clip(" ".join(lines[MAX_LINES - 1 :]), WRAP)]
    return lines


def _hover(claim: DatedClaim) -> str:
    """The tooltip: date, source, the whole verbatim sentence, the disputed points."""
    parts = [f"{claim.when.label} · {_source(claim)}", " ".join(claim.text.split())]
    parts += [f"Sources disagree: {p}" for p in claim.disputes]
    return one_line(" — ".join(parts))


def _point_attrs(claim: DatedClaim, index: int) -> str:
    """What makes a point open its passage: the Sources panel's ``open-doc`` data attributes."""
    cls = "tl-point open-doc" + (" disputed" if claim.disputed else "")
    return (
        f'class="{cls}" data-doc="{escape(claim.doc_id, quote=True)}" '
        f'data-start="{int(claim.start)}" data-end="{int(claim.end)}" data-i="{index}" '
        f'data-kind="{claim.kind}" tabindex="0" role="button"'
    )


def _dot(x: float, y: float, claim: DatedClaim, fill: str, r: float = 6) -> str:
    """A square for a publication date, a circle for a sentence; red and ringed when disputed."""
    if claim.disputed:
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r + 3}" fill="none" stroke="{DISPUTED}" '
            f'stroke-width="2.5"/><circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{DISPUTED}"/>'
        )
    if claim.kind == "published":
        return (
            f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" '
            f'fill="{fill}"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}"/>'


def _year_ticks(lo: float, hi: float) -> list[int]:
    """Whole years between ``lo`` and ``hi``, thinned to at most ten labels."""
    years = list(range(int(lo) + (lo % 1 > 0), int(hi) + 1))
    step = 1
    while len(years[::step]) > 10:
        step = {1: 2, 2: 5, 5: 10}.get(step, step * 2)
    return [y for y in years if y % step == 0] or years[:1]


def _levels(xs: Sequence[float], gap: float = 20) -> list[int]:
    """A stack level for each dot of one row (``xs`` ascending): dots closer than ``gap`` on the
    axis go one above the other instead of on top of each other."""
    last: list[float] = []
    levels = []
    for x in xs:
        level = next((k for k, lx in enumerate(last) if x - lx >= gap), len(last))
        if level == len(last):
            last.append(x)
        last[level] = x
        levels.append(level)
    return levels


def _axis_range(claims: Sequence[DatedClaim]) -> tuple[float, float]:
    lo = min(c.when.position for c in claims)
    hi = max(c.when.position for c in claims)
    if hi - lo < 1:
        lo, hi = lo - 0.5, hi + 0.5
    span = hi - lo
    return lo - span * 0.03, hi + span * 0.03


def overview_svg(claims: Sequence[DatedClaim], ranks: dict[str, int]) -> str:
    """One row per document on a proportional axis: when each source says what, at a glance."""
    lo, hi = _axis_range(claims)
    x0, x1 = LANE_LABEL_W + PAD, WIDTH - PAD
    xs = [x0 + (c.when.position - lo) / (hi - lo) * (x1 - x0) for c in claims]
    level: dict[int, int] = {}
    for rank in sorted({ranks[c.doc_id] for c in claims}):
        mine = [i for i, c in enumerate(claims) if ranks[c.doc_id] == rank]
        level.update(zip(mine, _levels([xs[i] for i in mine]), strict=True))
    parts, lane_y, y = [], {}, 8.0
    for rank in sorted({ranks[c.doc_id] for c in claims}):
        depth = 1 + max(level[i] for i, c in enumerate(claims) if ranks[c.doc_id] == rank)
        lane_y[rank] = y + 13
        parts.append(
            f'<line x1="{x0}" y1="{y + 13}" x2="{x1}" y2="{y + 13}" stroke="{colour(rank)}" '
            f'stroke-opacity="0.35" stroke-width="2"/>'
            f'<text x="{LANE_LABEL_W}" y="{y + 17.5}" text-anchor="end" class="tl-lane" '
            f'fill="{colour(rank)}">{rank + 1}</text>'
        )
        y += 8 + 18 * depth
    axis_y, height = y + 4, int(y + 34)
    parts.append(f'<line x1="{x0}" y1="{axis_y}" x2="{x1}" y2="{axis_y}" class="tl-axis"/>')
    for year in _year_ticks(lo, hi):
        x = x0 + (year - lo) / (hi - lo) * (x1 - x0)
        parts.append(
            f'<line x1="{x:.1f}" y1="8" x2="{x:.1f}" y2="{axis_y + 4}" class="tl-tick"/>'
            f'<text x="{x:.1f}" y="{axis_y + 19}" text-anchor="middle" class="tl-year">'
            f"{year}</text>"
        )
    for i, c in enumerate(claims):
        rank = ranks[c.doc_id]
        dot = _dot(xs[i], lane_y[rank] + 18 * level[i], c, colour(rank), 5)
        parts.append(f"<g {_point_attrs(c, i)}><title>{_hover(c)}</title>{dot}</g>")
    return (
        f'<svg id="timeline-overview" class="tl-svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'aria-label="When each source dates its claims">{"".join(parts)}</svg>'
    )


def _row(claim: DatedClaim, index: int, y: float, rank: int) -> tuple[str, float]:
    """One point of the detail chart at ``y``: its markup and its height."""
    fill = colour(rank)
    head = f"{rank + 1} · {_clip(_source(claim), 96)}"
    note = KIND_NOTES.get(claim.kind)
    body = [f'<tspan class="tl-src" fill="{fill}">{one_line(head)}</tspan>']
    if note:
        body.append(f'<tspan class="tl-kind"> ({escape(note)})</tspan>')
    texts = [f'<text x="{TEXT_X}" y="{y + 5}">{"".join(body)}</text>']
    line_y = y + 5
    lines = [] if claim.kind == "published" else _lines(claim.text)
    for k, line in enumerate(lines):
        line_y += 18
        quote = ("“" if k == 0 else "") + line + ("”" if k == len(lines) - 1 else "")
        texts.append(f'<text x="{TEXT_X}" y="{line_y}" class="tl-quote">{one_line(quote)}</text>')
    for point in claim.disputes:
        line_y += 18
        label = f"⚠ Sources disagree: {_clip(point, 100)}"
        texts.append(f'<text x="{TEXT_X}" y="{line_y}" class="tl-dispute">{one_line(label)}</text>')
    height = line_y - y + 22
    date_cls = "tl-date disputed" if claim.disputed else "tl-date"
    markup = (
        f"<g {_point_attrs(claim, index)}><title>{_hover(claim)}</title>"
        f'<rect x="0" y="{y - 10}" width="{WIDTH}" height="{height - 4}" class="tl-hit"/>'
        f'<text x="{AXIS_X - 16}" y="{y + 5}" text-anchor="end" class="{date_cls}">'
        f"{escape(claim.when.label)}</text>{_dot(AXIS_X, y, claim, fill)}{''.join(texts)}</g>"
    )
    return markup, height


def detail_svg(claims: Sequence[DatedClaim], ranks: dict[str, int]) -> str:
    """Every point in date order down one axis: date, source, verbatim sentence, dispute."""
    rows: list[str] = []
    y = 20.0
    for i, claim in enumerate(claims):
        markup, height = _row(claim, i, y, ranks[claim.doc_id])
        rows.append(markup)
        y += height
    height = int(y)
    axis = f'<line x1="{AXIS_X}" y1="8" x2="{AXIS_X}" y2="{height - 14}" class="tl-axis"/>'
    return (
        f'<svg id="timeline-chart" class="tl-svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="list" '
        f'aria-label="Dated claims, oldest first">{axis}{"".join(rows)}</svg>'
    )


def legend_html(documents: Sequence[Document], claims: Sequence[DatedClaim]) -> str:
    """The documents' numbers and colours, their dates, and how many points each has."""
    counts = {d.doc_id: sum(1 for c in claims if c.doc_id == d.doc_id) for d in documents}
    items = []
    for rank, d in enumerate(documents):
        where = ", ".join(one_line(x) for x in (d.meta.outlet, d.meta.date) if x)
        n = counts[d.doc_id]
        count = f"{n} point{'s' if n != 1 else ''}" if n else "no dates"
        na = ' class="na"' if not n else ""
        items.append(
            f'<li data-doc="{escape(d.doc_id, quote=True)}"{na}>'
            f'<span class="tl-swatch" style="background:{colour(rank)}">{rank + 1}</span> '
            f'<span class="src-title">{one_line(d.meta.title)}</span>'
            f'{" — " + where if where else ""} <span class="tl-count">· {count}</span></li>'
        )
    return f'<ul id="timeline-legend" class="tl-legend">{"".join(items)}</ul>'


def timeline_html(answer: Answer | None, documents: Sequence[Document]) -> str:
    """The tab's content for the last answer: summary, legend, overview, detail chart."""
    if answer is None:
        return f'<div class="timeline-empty">{escape(TIMELINE_PLACEHOLDER)}</div>'
    claims = build_timeline(documents, answer.conflicts)
    question = f'<div class="tl-question">Timeline for: “{one_line(answer.question)}”</div>'
    if not claims:
        return f'{question}<div class="timeline-empty">{escape(NO_DATES)}</div>'
    ranks = {d.doc_id: i for i, d in enumerate(documents)}
    disputed = sum(1 for c in claims if c.disputed)
    summary = (
        f"{len(claims)} dated point{'s' if len(claims) != 1 else ''} from "
        f"{len({c.doc_id for c in claims})} of {len(documents)} sources, oldest first"
        f"{f' · {disputed} where the sources disagree (red)' if disputed else ''}"
        " · click a point to read it in its document"
    )
    red = ' · <span class="tl-red">●</span> side of a disagreement' if disputed else ""
    key = f'<div class="tl-key">■ publication date · ● dated sentence{red}</div>'
    off = sides_off_axis(answer.conflicts, claims)
    sides = f"{off} side of a disagreement carries" if off == 1 else f"{off} sides carry"
    note = (
        f'<p class="tl-note">{sides} no date (neither the sentence nor its document): not on '
        "the axis.</p>"
        if off
        else ""
    )
    return (
        f'<div class="timeline">{question}<div class="tl-summary">{summary}</div>{key}'
        f"{legend_html(documents, claims)}{overview_svg(claims, ranks)}"
        f"{detail_svg(claims, ranks)}{note}</div>"
    )


class TimelineTab:
    """The tab's components (built inside the page's ``gr.Tabs``) and its handler."""

    def __init__(self, ctx: UIContext) -> None:
        self.ctx = ctx
        with gr.Tab("Timeline", id="timeline", elem_id="tab-timeline") as self.tab:
            self.view = gr.HTML(
                timeline_html(None, []), elem_id="timeline-view", js_on_load=OPEN_DOC_JS
            )

    def wire(self, session: gr.State) -> None:
        """Redrawn whenever the tab is opened: it always shows the chat's last answer."""
        self.tab.select(self.refresh, [session], [self.view], show_progress="hidden")

    def refresh(self, session: Session) -> str:
        answer = session.answers[-1] if session.answers else None
        if answer is None:
            return timeline_html(None, [])
        try:
            store = self.ctx.services_for(session.collection).store
            docs = [store.get_document(doc_id) for doc_id in source_doc_ids(answer)]
        except StoreUnavailable as exc:
            return f'<div class="timeline-empty">{one_line(str(exc))}</div>'
        return timeline_html(answer, [d for d in docs if d is not None])
