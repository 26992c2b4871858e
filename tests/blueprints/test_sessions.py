"""Server-side sessions: sign-out really ends them, devices are listed, one can end another."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import User, UserSession
from app.models.types import utcnow
from tests.conftest import Browser, create_user
from tests.realtime.conftest import Socket

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
LAPTOP = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Safari/537.36")


def device(app: Any, user_agent: str, email: str = "ana@example.com") -> Browser:
    """A browser with its own user agent, signed in as ``email``."""
    b = Browser(app)
    b.http.environ_base["HTTP_USER_AGENT"] = user_agent
    assert b.login(email).status_code == 302
    return b


def records(email: str = "ana@example.com") -> list[UserSession]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(UserSession).join(User).where(User.email == email)
                                   .order_by(UserSession.id)))


def test_a_replayed_cookie_after_sign_out_is_signed_out(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    b = device(app, IPHONE)
    cookie = b.http.get_cookie("attune_session")
    assert cookie is not None and b.get("/settings").status_code == 200
    assert b.post("/logout").status_code == 302
    assert records() == []
    # An attacker (or the back button) puts the old cookie back: it opens nothing.
    b.http.set_cookie("attune_session", cookie.value)
    resp = b.get("/settings")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert not Socket(app, b, namespace="/").connected()
    assert not Socket(app, b, namespace="/exercise").connected()


def test_sign_out_closes_this_devices_sockets_only(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    phone, laptop = device(app, IPHONE), device(app, LAPTOP)
    on_phone, on_laptop = Socket(app, phone, namespace="/"), Socket(app, laptop, namespace="/")
    assert on_phone.connected() and on_laptop.connected()
    phone.post("/logout")
    assert not on_phone.connected()
    assert on_laptop.connected() and laptop.get("/settings").status_code == 200
    on_laptop.disconnect()


def test_settings_lists_each_signed_in_device(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    phone, _laptop = device(app, IPHONE), device(app, LAPTOP)
    html = phone.get("/settings").get_data(as_text=True)
    assert "Signed-in devices" in html
    assert "Safari on iPhone" in html and "Chrome on Linux" in html
    items = html.split('<li class="device"')[1:]
    assert len(items) == 2
    mine = [item for item in items if "· this device" in item]
    assert len(mine) == 1 and "Safari on iPhone" in mine[0]
    first, second = records()
    assert (first.device, second.device) == ("Safari on iPhone", "Chrome on Linux")
    assert first.created_at <= second.created_at and first.last_seen_at is not None


def test_ending_one_device_from_another_closes_only_that_devices_sockets(
        app: Any, couple: Any) -> None:
    alex, blair, _c = couple
    laptop = device(app, LAPTOP, email="alex@example.com")
    phone_home, phone_ex = Socket(app, alex, namespace="/"), Socket(app, alex)
    laptop_home, laptop_ex = Socket(app, laptop, namespace="/"), Socket(app, laptop)
    partner = Socket(app, blair, namespace="/")
    assert all(s.connected() for s in (phone_home, phone_ex, laptop_home, laptop_ex, partner))
    laptop_record = records("alex@example.com")[-1]
    assert laptop_record.device == "Chrome on Linux"

    alex.refresh_token("/settings")
    resp = alex.post(f"/settings/sessions/{laptop_record.id}/end")
    assert resp.status_code == 302 and resp.headers["Location"] == "/settings"
    assert "Signed out of Chrome on Linux" in alex.get("/settings").get_data(as_text=True)

    assert not laptop_home.connected() and not laptop_ex.connected()
    assert phone_home.connected() and phone_ex.connected() and partner.connected()
    assert laptop.get("/settings").status_code == 302
    assert alex.get("/settings").status_code == 200
    assert phone_home.emit("heartbeat", {})["ok"] is True
    for s in (phone_home, phone_ex, partner):
        s.disconnect()


def test_ending_this_device_from_the_list_signs_it_out(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    phone = device(app, IPHONE)
    phone.refresh_token("/settings")
    (mine,) = records()
    resp = phone.post(f"/settings/sessions/{mine.id}/end")
    assert resp.status_code == 302 and resp.headers["Location"] == "/login"
    assert records() == [] and phone.get("/settings").status_code == 302


def test_someone_elses_session_cannot_be_ended(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    create_user("bo@example.com", "Bo")
    ana, bo = device(app, IPHONE), device(app, LAPTOP, email="bo@example.com")
    (bos,) = records("bo@example.com")
    ana.refresh_token("/settings")
    assert ana.post(f"/settings/sessions/{bos.id}/end").status_code == 404
    assert records("bo@example.com") and bo.get("/settings").status_code == 200


def test_idle_sessions_time_out(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    b = device(app, IPHONE)
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(days=15)))
    db.session.commit()
    assert b.get("/settings").status_code == 302
    assert records() == []


def test_absolute_session_timeout(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    b = device(app, IPHONE)
    db.session.execute(sa.update(UserSession).values(created_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    assert b.get("/settings").status_code == 302
    assert records() == []


def test_last_seen_is_written_at_most_once_a_minute(app: Any) -> None:
    create_user("ana@example.com", "Ana")
    b = device(app, IPHONE)
    (before,) = records()
    b.get("/settings")
    (same,) = records()
    assert same.last_seen_at == before.last_seen_at
    earlier = utcnow() - timedelta(minutes=5)
    db.session.execute(sa.update(UserSession).values(last_seen_at=earlier))
    db.session.commit()
    b.get("/settings")
    (after,) = records()
    assert after.last_seen_at > earlier + timedelta(minutes=4)


def test_removing_a_passkey_ends_other_sessions_but_keeps_this_one(app: Any) -> None:
    from app.models import Passkey

    user = create_user("ana@example.com", "Ana")
    db.session.add(Passkey(user_id=user.id, credential_id=b"cred-1", public_key=b"pk",
                           name="Old phone"))
    db.session.commit()
    here, lost = device(app, LAPTOP), device(app, IPHONE)
    lost_socket = Socket(app, lost, namespace="/")
    here.refresh_token("/settings")
    pk = db.session.scalar(sa.select(Passkey.id))
    assert here.post(f"/settings/passkeys/{pk}/delete").status_code == 302
    assert not lost_socket.connected() and lost.get("/settings").status_code == 302
    assert here.get("/settings").status_code == 200
    assert [r.device for r in records()] == ["Chrome on Linux"]


def test_a_client_learns_its_own_user_id(app: Any) -> None:
    user = create_user("ana@example.com", "Ana")
    b = device(app, IPHONE)
    assert b.get("/api/me").get_json() == {
        "ok": True, "user": {"id": user.id, "name": "Ana", "email": "ana@example.com"}}
    b.post("/logout")
    resp = b.get("/api/me")
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "unauthorized"
