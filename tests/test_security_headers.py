"""Security headers, caching rules and production settings."""

from __future__ import annotations

from typing import Any

import pytest

from app.config import ConfigError, load_config


def test_pages_forbid_inline_scripts_framing_and_sniffing(client: Any) -> None:
    resp = client.get("/login")
    csp = resp.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-store"
    assert "<script>" not in resp.get_data(as_text=True)


def test_static_files_may_be_cached_pages_may_not(client: Any) -> None:
    with client.get("/static/css/app.css") as resp:
        assert "no-store" not in resp.headers.get("Cache-Control", "")
    assert client.get("/").headers["Cache-Control"] == "no-store"


def test_invite_pages_send_no_referrer(couple: Any, app: Any) -> None:
    from tests.conftest import Browser

    resp = Browser(app).get("/i/" + "x" * 43)
    assert resp.status_code == 404
    assert resp.headers["Referrer-Policy"] == "no-referrer"


def test_no_third_party_urls_in_pages(client: Any) -> None:
    for path in ("/", "/login", "/signup", "/offline"):
        html = client.get(path).get_data(as_text=True)
        assert "http://" not in html.replace("http://localhost", "") and "https://" not in html


def test_manifest_makes_the_app_installable(client: Any) -> None:
    with client.get("/manifest.webmanifest") as resp:
        data = resp.get_json(force=True)
    assert data["display"] == "standalone" and data["start_url"].startswith("/")
    sizes = {i["sizes"] for i in data["icons"]}
    assert {"192x192", "512x512"} <= sizes
    assert any(i.get("purpose") == "maskable" for i in data["icons"])
    for icon in data["icons"]:
        with client.get(icon["src"]) as resp:
            assert resp.status_code == 200


def test_service_worker_never_caches_pages(client: Any) -> None:
    with client.get("/sw.js") as resp:
        sw = resp.get_data(as_text=True)
    assert "/offline" in sw
    assert 'req.mode === "navigate"' in sw and "cache.put(req" in sw
    # Only static files are ever put in the cache.
    before_put = sw.split("cache.put(req")[0]
    assert before_put.rfind('url.pathname.startsWith("/static/")') != -1


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "PUBLIC_URL"])
def test_production_refuses_to_start_without_its_settings(missing: str) -> None:
    env = {"ATTUNE_ENV": "production", "SECRET_KEY": "s" * 40,
           "DATABASE_URL": "postgresql://x@127.0.0.1/attune", "PUBLIC_URL": "https://attune.example"}
    env.pop(missing)
    with pytest.raises(ConfigError, match=missing):
        load_config(env)


def test_production_settings_are_strict() -> None:
    cfg = load_config({"ATTUNE_ENV": "production", "SECRET_KEY": "s" * 40,
                       "DATABASE_URL": "postgres://x@127.0.0.1/attune",
                       "PUBLIC_URL": "https://attune.example"})
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["HSTS"]
    assert cfg["RP_ID"] == "attune.example"
    assert cfg["ALLOWED_ORIGINS"] == ["https://attune.example"]
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_development_gets_safe_defaults() -> None:
    cfg = load_config({"PORT": "5055"})
    assert len(cfg["SECRET_KEY"]) >= 32
    assert cfg["ALLOWED_ORIGINS"] == ["http://localhost:5055", "http://127.0.0.1:5055"]
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
