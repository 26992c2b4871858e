"""The "Need help now?" page: resources from configuration, sensible defaults, always open."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app import create_app
from app.config import ConfigError, load_config
from app.safety import DEFAULT_RESOURCES, parse_resources
from tests.conftest import make_config


def test_without_configuration_the_defaults_are_listed() -> None:
    assert load_config({})["SAFETY_RESOURCES"] == DEFAULT_RESOURCES
    assert all(r.phone or r.url.startswith("https://") for r in DEFAULT_RESOURCES)


def test_a_deployment_sets_its_own_resources() -> None:
    raw = json.dumps([{"name": "Lifeline", "description": "Any time.", "phone": "13 11 14"},
                      {"name": "1800RESPECT", "description": "Abuse support.",
                       "url": "https://www.1800respect.org.au"}])
    config = load_config({"SAFETY_RESOURCES": raw, "SAFETY_EMERGENCY_NUMBER": "000"})
    first, second = config["SAFETY_RESOURCES"]
    assert (first.name, first.tel, second.url) == ("Lifeline", "131114",
                                                   "https://www.1800respect.org.au")
    assert config["SAFETY_EMERGENCY_NUMBER"] == "000"


@pytest.mark.parametrize("raw", [
    "not json", "[]", '{"name": "x"}', '[{"name": "x", "description": "y"}]',
    '[{"name": "x", "description": "y", "url": "http://plain.example"}]',
    '[{"name": "", "description": "y", "phone": "1"}]',
    '[{"name": "x", "description": "y", "phone": 112}]',
    '[{"name": "x", "description": "y", "phone": "1", "colour": "red"}]',
])
def test_a_malformed_setting_stops_the_start_with_a_clear_error(raw: str) -> None:
    with pytest.raises(ConfigError, match="SAFETY_RESOURCES"):
        load_config({"SAFETY_RESOURCES": raw})
    with pytest.raises(ValueError):
        parse_resources(raw)


def test_the_page_is_open_to_anyone_and_says_call_emergency_services(client: Any) -> None:
    html = client.get("/help").get_data(as_text=True)
    assert "Need help now?" in html
    assert "local emergency number" in html
    assert "Either of you can end an exercise at any time" in html
    for r in DEFAULT_RESOURCES:
        assert r.name.replace("&", "&amp;") in html
    assert 'href="tel:08082000247"' in html


def test_the_page_lists_what_the_deployment_configured(tmp_path: Any) -> None:
    raw = json.dumps([{"name": "Local line", "description": "Open late.", "phone": "555 0100"}])
    app = create_app(make_config(tmp_path, SAFETY_RESOURCES=parse_resources(raw),
                                 SAFETY_EMERGENCY_NUMBER="112"))
    html = app.test_client().get("/help").get_data(as_text=True)
    assert "Local line" in html and 'href="tel:5550100"' in html
    assert 'href="tel:112"' in html
    assert "Find a Helpline" not in html
