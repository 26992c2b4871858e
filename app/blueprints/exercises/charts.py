"""Line charts drawn on the server as SVG geometry: no chart script, readable at 390 px.

Only the drawing lives here; every number comes from ``app/domain/exercises/metrics.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from app.domain.exercises.metrics import Insights
from app.services.history import InsightsPage, week_label

WIDTH, HEIGHT = 320, 180
LEFT, RIGHT, TOP, BOTTOM = 34, 12, 12, 28  # room for the axis labels
MARK = 4  # a point's radius (half a square's side)

# Fixed scales where the number has natural bounds, so weeks compare at a glance.
SCALES: dict[str, tuple[float, float]] = {"seen": (0, 10), "landing": (0, 100),
                                          "questions": (0, 100), "gap": (-10, 10),
                                          "accuracy": (0, 10)}
# Numbers both partners already saw in the exercise, so each chart shows both of them.
SHARED: dict[str, str] = {"seen": "How seen each of you felt",
                          "accuracy": "How close each of your guesses came"}


# The same numbers' titles, said of both partners (a therapist's view of the couple).
THIRD_PERSON = {
    "seen": "How seen each felt",
    "gap": "Understanding gap: own estimate minus how seen the other felt",
    "questions": "Curious questions among replies",
    "holds": "Replies the guard held back, per exercise",
    "accuracy": "How close each one's guesses came",
}


@dataclass(frozen=True)
class Line:
    """One person's series: where to draw it and the values it stands for."""

    name: str
    css: str  # "mine" or "partner": colour and dash pattern come from the stylesheet
    points: tuple[tuple[float, float], ...]
    path: str


@dataclass(frozen=True)
class Chart:
    """One chart and the data table that says the same in words."""

    key: str
    title: str
    unit: str
    lines: tuple[Line, ...]
    y_ticks: tuple[tuple[float, str], ...]
    x_ticks: tuple[tuple[float, str], ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]  # week label -> one value per line
    zero_y: float | None  # a reference line at 0 when the scale crosses it
    summary: str  # the trend in one or two sentences, shown beside the chart

    # The drawing's frame, for the template (one place with the numbers above).
    view_box = f"0 0 {WIDTH} {HEIGHT}"
    x_from, x_to = LEFT, WIDTH - RIGHT
    y_label_x = LEFT - 4  # right edge of the value labels
    x_label_y = HEIGHT - 8  # baseline of the week labels
    mark = MARK


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    text = f"{value:g}"
    return f"{text}{unit}" if unit in ("%", "/10", " s") else text


def line_chart(key: str, title: str, unit: str,
               series: list[tuple[str, str, tuple[tuple[date, float], ...]]]) -> Chart:
    """Draw ``series`` (name, css, weekly points) on one shared set of axes."""
    weeks = sorted({w for _n, _c, pts in series for w, _v in pts})
    values = [v for _n, _c, pts in series for _w, v in pts]
    low, high = SCALES.get(key, (0.0, max(1.0, math.ceil(max(values, default=1)))))
    low, high = min(low, min(values, default=low)), max(high, max(values, default=high))
    span = (high - low) or 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(week: date) -> float:
        if len(weeks) == 1:
            return LEFT + plot_w / 2
        return round(LEFT + plot_w * weeks.index(week) / (len(weeks) - 1), 1)

    def y(value: float) -> float:
        return round(TOP + plot_h * (high - value) / span, 1)

    lines = []
    for name, css, pts in series:
        points = tuple((x(w), y(v)) for w, v in pts)
        path = " ".join(f"{'M' if i == 0 else 'L'}{px},{py}" for i, (px, py) in
                        enumerate(points))
        lines.append(Line(name=name, css=css, points=points, path=path))
    ticks = [low, (low + high) / 2, high]
    y_ticks = tuple((y(t), _fmt(round(t, 1), unit)) for t in ticks)
    # At most four week labels fit under a 390 px wide chart.
    step = max(1, math.ceil(len(weeks) / 4))
    shown = weeks[::step]
    x_ticks = tuple((x(w), week_label(w)) for w in shown)
    by_line = [dict(pts) for _n, _c, pts in series]
    rows = tuple((f"Week of {week_label(w)}", tuple(_fmt(d.get(w), unit) for d in by_line))
                 for w in weeks)
    return Chart(key=key, title=title, unit=unit, lines=tuple(lines), y_ticks=y_ticks,
                 x_ticks=x_ticks, rows=rows, zero_y=y(0) if low < 0 < high else None,
                 summary=" ".join(_summary(name, pts, unit) for name, _c, pts in series))


def _summary(name: str, points: tuple[tuple[date, float], ...], unit: str) -> str:
    """One person's trend in words: where it started, where it is, over how many weeks."""
    first, last = points[0], points[-1]
    if len(points) == 1:
        return f"{name}: {_fmt(first[1], unit)} in the week of {week_label(first[0])}."
    if first[1] == last[1]:
        return (f"{name}: {_fmt(first[1], unit)} in the week of {week_label(first[0])} and "
                f"again in the week of {week_label(last[0])}, over {len(points)} weeks with "
                "exercises.")
    return (f"{name}: from {_fmt(first[1], unit)} in the week of {week_label(first[0])} to "
            f"{_fmt(last[1], unit)} in the week of {week_label(last[0])}, "
            f"over {len(points)} weeks with exercises.")


def for_page(page: InsightsPage) -> list[Chart]:
    """The charts of the insights page: one per number, once there is a trend to draw."""
    if not page.mine.trend_ready:
        return []
    charts = []
    for metric in page.mine.metrics:
        if not metric.weeks:
            continue
        series = [("You", "mine", metric.weeks)]
        if metric.key in SHARED and page.partner is not None:
            theirs = page.partner.metric(metric.key)
            if theirs is not None and theirs.weeks:
                series.append((page.partner_name, "partner", theirs.weeks))
        title = SHARED[metric.key] if len(series) > 1 else metric.title
        charts.append(line_chart(metric.key, title, metric.unit, series))
    return charts


def for_couple(people: list[tuple[str, Insights]] | None) -> list[Chart]:
    """A therapist's charts of a couple: each number with both partners' lines, drawn from
    the same insights each partner sees on their own page (none while ratings aren't shared:
    ``people`` is None)."""
    if not people or not any(i.trend_ready for _n, i in people):
        return []
    charts = []
    first = people[0][1]
    for metric in first.metrics:
        series = []
        for (name, insights), css in zip(people, ("mine", "partner"), strict=False):
            theirs = insights.metric(metric.key)
            if theirs is not None and theirs.weeks:
                series.append((name, css, theirs.weeks))
        if series:
            title = THIRD_PERSON.get(metric.key, metric.title)
            charts.append(line_chart(metric.key, title, metric.unit, series))
    return charts
