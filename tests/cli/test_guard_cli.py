"""``flask guard eval`` and ``flask guard check`` on a bare Flask app."""

from __future__ import annotations

import json
from pathlib import Path

import flask
import pytest
from flask.testing import FlaskCliRunner

from app.cli.guard import guard_cli

DEV = Path(__file__).resolve().parents[1] / "data" / "listener-moves-dev.csv"


@pytest.fixture()
def runner() -> FlaskCliRunner:
    app = flask.Flask(__name__)
    app.cli.add_command(guard_cli)
    return app.test_cli_runner()


def test_eval_prints_recall_confusion_rates_and_timing(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["guard", "eval", str(DEV)])
    assert result.exit_code == 0, result.output
    for needle in ("per-label recall", "confusion", "stop rate", "false hold", "rows: 260", "p99"):
        assert needle in result.output


def test_eval_json(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["guard", "eval", str(DEV), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"stop_rate", "false_hold", "rows", "per_label", "p99_ms"} <= set(data)
    assert data["rows"] == 260
    assert data["stop_rate"] >= 0.95 and data["false_hold"] <= 0.03


def test_eval_split_and_unknown_labels(runner: FlaskCliRunner, tmp_path: Path) -> None:
    corpus = tmp_path / "c.csv"
    corpus.write_text(
        "split,label,text\n"
        "test,advice,You should talk to your boss.\n"
        "test,reflection,It sounds like you felt left out.\n"
        "dev,advice,Have you tried yoga?\n"
        "test,other,Hello there.\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["guard", "eval", str(corpus), "--split", "test", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rows"] == 2
    assert data["skipped"] == 1


def test_eval_with_no_usable_rows_fails_cleanly(runner: FlaskCliRunner, tmp_path: Path) -> None:
    corpus = tmp_path / "empty.csv"
    corpus.write_text("text,label\nhi,greeting\n", encoding="utf-8")
    result = runner.invoke(args=["guard", "eval", str(corpus)])
    assert result.exit_code != 0
    assert "no rows" in result.output


def test_check_prints_the_verdict(runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=[
            "guard",
            "check",
            "You should talk to her.",
            "--said",
            "I felt jealous when you danced with Leah.",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "label:      advice" in result.output
    assert "action:     block" in result.output
    assert "jealous" in result.output.split("suggestion:")[1]


def test_check_without_context(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["guard", "check", "What do you need right now?"])
    assert result.exit_code == 0
    assert "action:     allow" in result.output
