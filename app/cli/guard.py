"""``flask guard``: check one listener message, evaluate the guard on a labelled corpus, or
export the couples' corrections as corpus rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import click
from flask.cli import AppGroup

from app.domain.guard import judge
from app.domain.guard.evaluate import Report, default_predict, evaluate, read_corpus
from app.domain.guard.labels import LABELS

guard_cli = AppGroup("guard", help="The listener guard: check a message or evaluate a corpus.")


def format_report(report: Report) -> str:
    """A human-readable evaluation report: recall, confusion, rates, rows and timing."""
    lines = ["per-label recall:"]
    for label, recall in report.per_label.items():
        lines.append(f"  {label:16s} {recall:6.3f}  (n={report.support[label]})")
    seen = [label for label in LABELS if label in report.support]
    predicted = sorted({p for row in report.confusion.values() for p in row}, key=LABELS.index)
    lines.append("confusion (rows: true label, columns: predicted):")
    lines.append(" " * 17 + " ".join(f"{p[:6]:>6s}" for p in predicted))
    for label in seen:
        row = report.confusion.get(label, {})
        lines.append(f"  {label:15s}" + " ".join(f"{row.get(p, 0):6d}" for p in predicted))
    lines.append(f"stop rate:  {report.stop_rate:.3f}  (not-allowed rows nudged or blocked)")
    lines.append(f"false hold: {report.false_hold:.3f}  (allowed rows nudged or blocked)")
    skipped = f", {report.skipped} skipped (unknown label)" if report.skipped else ""
    lines.append(f"rows: {report.rows}{skipped}")
    lines.append(f"time per message: p50 {report.p50_ms:.3f} ms, p99 {report.p99_ms:.3f} ms")
    return "\n".join(lines)


@guard_cli.command("eval")
@click.argument("csv_path", metavar="CSV", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--split", default=None, help="Only rows whose 'split' column has this value.")
def eval_command(csv_path: str, as_json: bool, split: str | None) -> None:
    """Evaluate the guard on a CSV with text,label columns (speaker_said used if present)."""
    examples, skipped = read_corpus(Path(csv_path), split=split)
    if not examples:
        raise click.ClickException("no rows with a known label in that file")
    report = evaluate(examples, predict=default_predict, skipped=skipped)
    if as_json:
        click.echo(json.dumps(report.as_json(), sort_keys=True))
    else:
        click.echo(format_report(report))


@guard_cli.command("slips")
@click.option("--export", "export_path", required=True,
              type=click.Path(dir_okay=False, writable=True),
              help="Write the corrections here, in the corpus format of dev.csv.")
def slips_command(export_path: str) -> None:
    """Export the couples' corrections (slip marks, "this was a reflection") as corpus rows:
    only couples whose two partners both opted in to teaching the guard."""
    from app.services.guard import CORPUS_COLUMNS, slip_rows  # needs the database

    found = slip_rows()
    with Path(export_path).open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=CORPUS_COLUMNS)
        writer.writeheader()
        writer.writerows(found.rows)
    click.echo(f"wrote {len(found.rows)} rows from {found.couples} couples to {export_path}; "
               f"{found.left_out} corrections left out (not both partners opted in)")


@guard_cli.command("check")
@click.argument("text")
@click.option("--said", default="", help="The speaker's last message, for context.")
def check_command(text: str, said: str) -> None:
    """Print the guard's verdict for one listener message."""
    verdict = judge(text, speaker_said=said)
    click.echo(f"label:      {verdict.label}")
    click.echo(f"action:     {verdict.action}")
    click.echo(f"reason:     {verdict.reason}")
    click.echo(f"suggestion: {verdict.suggestion}")
