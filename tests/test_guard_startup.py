"""Start-up loads the listener guard once and refuses to start without its model."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from app import create_app
from app.domain.guard import EncoderError
from app.domain.guard.encoder import ENCODER_DIR
from tests.conftest import make_config

ROOT = Path(__file__).resolve().parents[1]


def test_a_missing_model_stops_start_up_with_a_clear_error(tmp_path: Any) -> None:
    empty = tmp_path / "no-model"
    empty.mkdir()
    with pytest.raises(EncoderError, match="listener guard's model file .* is missing"):
        create_app(make_config(tmp_path, GUARD_MODEL_DIR=str(empty)))


def test_a_corrupt_model_stops_start_up_with_a_clear_error(tmp_path: Any) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(ENCODER_DIR, broken)
    data = (broken / "model.onnx").read_bytes()
    (broken / "model.onnx").write_bytes(data[: len(data) // 3])  # a truncated download
    with pytest.raises(EncoderError, match="could not be loaded"):
        create_app(make_config(tmp_path, GUARD_MODEL_DIR=str(broken)))


def test_under_gevent_judging_runs_off_the_event_loop() -> None:
    # In a fresh process patched as gunicorn's gevent worker patches it: the judgement runs on
    # another OS thread, and other greenlets keep running while it does.
    script = textwrap.dedent(
        """
        from gevent import monkey
        monkey.patch_all()
        import gevent
        real_ident = monkey.get_original("threading", "get_ident")
        import app.services.guard as svc
        from app.domain.guard import judge, load_guard
        load_guard()
        seen = {}
        def recording(text, **kw):
            seen["thread"] = real_ident()
            return judge(text, **kw)
        svc.judge = recording
        ticks = []
        def ticker():
            while True:
                ticks.append(1)
                gevent.sleep(0)
        g = gevent.spawn(ticker)
        gevent.sleep(0)
        before = len(ticks)
        verdict = svc.judge_message("You should just leave him.", speaker_said="I'm so lonely.")
        g.kill()
        print(verdict.action, seen["thread"] != real_ident(), len(ticks) > before)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["block", "True", "True"]


def test_the_encoder_can_be_turned_off_only_outside_production(tmp_path: Any) -> None:
    from app.config import ConfigError, load_config

    assert load_config({"MAIL_DIR": str(tmp_path)})["GUARD_ENCODER"] == "on"
    assert load_config({"GUARD_ENCODER": "off"})["GUARD_ENCODER"] == "off"
    with pytest.raises(ConfigError, match="GUARD_ENCODER must be on or off"):
        load_config({"GUARD_ENCODER": "no"})
    production = {"ATTUNE_ENV": "production", "SECRET_KEY": "k" * 8 + "Zq4!x9Lm2#Rt7&Vb5^Nc8*Jp",
                  "DATABASE_URL": "sqlite:///x.db", "PUBLIC_URL": "https://attune.example",
                  "SMTP_URL": "smtp://mail.example:587", "GUARD_ENCODER": "off"}
    with pytest.raises(ConfigError, match="GUARD_ENCODER=off"):
        load_config(production)


def test_with_the_encoder_off_the_guard_judges_by_rules_and_the_linear_model(
        tmp_path: Any) -> None:
    # A fresh process, so this one's guard keeps its encoder: with the encoder off nothing reads
    # the model folder (an empty one starts), and messages are still judged.
    empty = tmp_path / "no-model"
    empty.mkdir()
    script = textwrap.dedent(
        f"""
        from app import create_app
        from app.domain import guard
        from tests.conftest import make_config
        create_app(make_config({str(tmp_path)!r}, GUARD_MODEL_DIR={str(empty)!r},
                               GUARD_ENCODER="off"))
        assert guard._active["encoder"] is None
        assert guard.judge("You should just quit.").action == "block"
        assert guard.judge("It sounds like work drains you.").action == "allow"
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
