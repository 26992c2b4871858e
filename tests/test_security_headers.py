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


def test_every_address_with_a_token_sends_no_referrer_and_others_stay_same_origin(
        app: Any) -> None:
    from tests.conftest import Browser

    browser = Browser(app)
    token = "x" * 43
    for path in (f"/signup/finish/{token}", f"/reset/{token}", f"/i/{token}"):
        resp = browser.get(path)
        assert resp.status_code == 404, path  # an unknown link, answered kindly
        assert resp.headers["Referrer-Policy"] == "no-referrer", path
    # Signed out, these answer with their page or a way to sign in; neither sends the token on.
    for path in (f"/settings/email/confirm/{token}", f"/t/{token}"):
        assert browser.get(path).headers["Referrer-Policy"] == "no-referrer", path
    for path in ("/", "/login", "/signup", f"/nowhere/{token}"):
        assert browser.get(path).headers["Referrer-Policy"] == "same-origin", path


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


KEY = "kq8Zr2-VxW4pL0mNc7TfYb3Hs9GdJe1U_aQo5RiXyE6"  # random, as production needs


@pytest.mark.parametrize("missing", ["SECRET_KEY", "DATABASE_URL", "PUBLIC_URL", "SMTP_URL"])
def test_production_refuses_to_start_without_its_settings(missing: str) -> None:
    env = {"ATTUNE_ENV": "production", "SECRET_KEY": KEY,
           "DATABASE_URL": "postgresql://x@127.0.0.1/attune", "PUBLIC_URL": "https://attune.example",
           "SMTP_URL": "smtps://attune:pw@mail.attune.example"}
    env.pop(missing)
    with pytest.raises(ConfigError, match=missing):
        load_config(env)


def test_production_settings_are_strict() -> None:
    cfg = load_config({"ATTUNE_ENV": "production", "SECRET_KEY": KEY,
                       "DATABASE_URL": "postgres://x@127.0.0.1/attune",
                       "PUBLIC_URL": "https://attune.example",
                       "SMTP_URL": "smtps://mail.attune.example"})
    assert cfg["SESSION_COOKIE_SECURE"] and cfg["HSTS"]
    assert cfg["RP_ID"] == "attune.example"
    assert cfg["ALLOWED_ORIGINS"] == ["https://attune.example"]
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_development_gets_safe_defaults() -> None:
    cfg = load_config({"PORT": "5055"})
    assert len(cfg["SECRET_KEY"]) >= 32
    assert cfg["ALLOWED_ORIGINS"] == ["http://localhost:5055", "http://127.0.0.1:5055"]
    assert cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")


def production(**overrides: str) -> dict[str, str]:
    """A complete production environment, with ``overrides``."""
    env = {"ATTUNE_ENV": "production", "SECRET_KEY": KEY,
           "DATABASE_URL": "postgresql://x@127.0.0.1/attune", "PUBLIC_URL": "https://attune.example",
           "SMTP_URL": "smtps://attune:pw@mail.attune.example"}
    env.update(overrides)
    return env


@pytest.mark.parametrize("key,says", [
    ("change-me-to-something-long-and-random-please", "placeholder"),
    ("CHANGEME" + "0123456789abcdefghijklmnopqrstuv", "placeholder"),
    ("a" * 32, "too predictable"),
    ("ab" * 40, "too predictable"),
    ("short-but-random-Xy7", "at least 32 characters"),
])
def test_production_refuses_a_weak_secret_key(key: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says) as err:
        load_config(production(SECRET_KEY=key))
    assert "secrets.token_urlsafe" in str(err.value)  # it says how to make a good one


def test_production_accepts_generated_keys() -> None:
    import secrets

    for key in (secrets.token_urlsafe(48), secrets.token_hex(32), secrets.token_urlsafe(32)):
        assert load_config(production(SECRET_KEY=key))["SECRET_KEY"] == key


@pytest.mark.parametrize("flag", ["1", "true", "True", "yes"])
def test_production_refuses_debug_mode(flag: str) -> None:
    with pytest.raises(ConfigError, match="debug mode"):
        load_config(production(FLASK_DEBUG=flag))


def test_production_refuses_debug_set_on_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    from app import create_app

    for key, value in production().items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError, match="debug mode"):
        create_app({"DEBUG": True})


def test_flask_run_debug_is_refused_in_production(tmp_path: Any) -> None:
    """The real command line: `flask run --debug` would start the Werkzeug debugger."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, **production(DATABASE_URL=f"sqlite:///{tmp_path}/x.sqlite3",
                                      PUBLIC_URL="http://localhost:5999")}
    env.pop("FLASK_DEBUG", None)
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "run", "--debug",
                           "--port", "5999"], cwd=root, env=env, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode != 0
    assert "refuses to start in production in debug mode" in done.stderr


@pytest.mark.parametrize("origins", ["*", "https://*.attune.example", "https://attune.example,*",
                                     "null", "attune.example", "https://attune.example/app"])
def test_allowed_origins_must_be_exact(origins: str) -> None:
    with pytest.raises(ConfigError, match="ALLOWED_ORIGINS"):
        load_config(production(ALLOWED_ORIGINS=origins))
    with pytest.raises(ConfigError, match="ALLOWED_ORIGINS"):
        load_config({"ALLOWED_ORIGINS": origins})


def test_listed_origins_are_kept() -> None:
    cfg = load_config(production(ALLOWED_ORIGINS="https://attune.example, https://m.attune.example/"))
    assert cfg["ALLOWED_ORIGINS"] == ["https://attune.example", "https://m.attune.example"]
