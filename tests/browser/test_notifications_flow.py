"""Push notifications in real Chromium: Blair turns them on in Settings, Alex proposes, the push
the server builds is delivered to Blair's service worker, shows the right words, and a tap
opens the proposal. Alex is offered reminders only after proposing.

Chromium subscribes through its vendor's push service, which a machine without internet access
cannot reach, so ``PushManager.subscribe`` is the one thing replaced here: it hands back a
subscription on the push service stand-in (tests/push_service.py) whose keys the test holds.
Everything else is real: the page's own code asks for permission and posts the subscription,
the server stores it, the worker encrypts and signs the push, the stand-in verifies it and the
test decrypts it, and Chromium's DevTools protocol delivers it to the real service worker
(ServiceWorker.deliverPushMessage). A headless browser has no notification to click, so the
tap is the service worker's own ``notificationclick`` handler, dispatched inside the worker
with the notification Chromium shows.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from app.extensions import db
from app.models import Notification, PushSubscription, User
from app.services import notifications, notify_worker
from tests.browser.axe import assert_accessible_both_schemes
from tests.browser.helpers import collect_problems, screenshot, sign_up_and_pair
from tests.push_service import PushService, Subscriber
from tests.services.test_notifications import ALL_ON

pytestmark = pytest.mark.browser

TALL = {"width": 390, "height": 844}
SHOWN_AT = datetime(2026, 12, 5, 19, 4, tzinfo=UTC)
SHIM = """
(() => {
  const sub = %s;
  const stored = () => { try { return localStorage.getItem("test-push") === "on"; } catch { return false; } };
  const object = () => ({ endpoint: sub.endpoint, toJSON: () => sub,
                          unsubscribe: async () => { localStorage.removeItem("test-push"); return true; } });
  if (!self.PushManager) return;
  PushManager.prototype.subscribe = async function (options) {
    if (Notification.permission !== "granted") throw new DOMException("denied", "NotAllowedError");
    if (!(options && options.userVisibleOnly && options.applicationServerKey)) throw new TypeError("options");
    localStorage.setItem("test-push", "on");
    return object();
  };
  PushManager.prototype.getSubscription = async function () { return stored() ? object() : null; };
})();
"""


def _prefs_without_quiet_hours(app: Any, email: str) -> int:
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == email))
        notifications.save_prefs(user_id, {**ALL_ON, "push": "1", "email": "1",
                                           "timezone": "Europe/London"})
        db.session.remove()
        return int(user_id)



def test_a_proposal_reaches_the_partners_phone_and_a_tap_opens_it(phone: Any, live_server: Any,
                                                                   tmp_path: Any) -> None:
    app = live_server.app
    app.config["VAPID_KEY_FILE"] = str(tmp_path / "vapid.pem")
    with PushService() as service:
        device = Subscriber(service.endpoint("blair-phone"))
        alex_ctx, blair_ctx = phone("light"), phone("dark")
        blair_ctx.grant_permissions(["notifications"], origin=live_server.url)
        blair_ctx.add_init_script(SHIM % json.dumps(device.subscription()))
        alex, blair = alex_ctx.new_page(), blair_ctx.new_page()
        problems = collect_problems(alex, blair)
        sign_up_and_pair(app, alex, blair, ("Alex", "Blair"))
        with app.app_context():
            emails = [u.email for u in db.session.scalars(
                sa.select(User).order_by(User.id.desc()).limit(2))]
            db.session.remove()
        for email in emails:
            _prefs_without_quiet_hours(app, email)

        # Blair turns notifications on from Settings: one line says what they bring.
        cdp = blair_ctx.new_cdp_session(blair)
        registrations: list[dict[str, Any]] = []
        cdp.on("ServiceWorker.workerRegistrationUpdated",
               lambda ev: registrations.extend(ev["registrations"]))
        cdp.send("ServiceWorker.enable")
        blair.goto("/settings")
        card = blair.locator("#notifications")
        expect(card.get_by_text("A notification when your partner invites you")).to_be_visible()
        expect(card.get_by_role("status")).to_have_text("Off for this device.")
        card.get_by_role("button", name="Turn on for this device").click()
        expect(card.get_by_role("status")).to_have_text("On for this device.")
        expect(card.get_by_role("button", name="Turn off on this device")).to_be_visible()
        with app.app_context():
            stored = db.session.scalars(sa.select(PushSubscription)).all()
            assert [s.endpoint for s in stored] == [device.endpoint]
            db.session.remove()

        blair.set_viewport_size(TALL)
        card.scroll_into_view_if_needed()
        screenshot(blair, "notifications-settings-dark")
        blair.emulate_media(color_scheme="light")
        screenshot(blair, "notifications-settings-light")
        blair.emulate_media(color_scheme="dark")
        assert_accessible_both_schemes(blair, "settings with notifications")

        # Alex proposes; right after, Alex (and only now) is offered reminders too.
        alex.goto("/exercises")
        alex.get_by_label("Topic").fill("Our weekend plans")
        alex.get_by_role("button", name="Ask Blair: is now OK?").click()
        expect(alex).to_have_url(re.compile(r"/exercises/\d+$"))
        exercise_path = alex.url.removeprefix(live_server.url)
        offer = alex.locator("#push-offer")
        expect(offer).to_be_visible()
        expect(offer).to_contain_text("Want a nudge on this phone when Blair answers")
        alex.set_viewport_size(TALL)
        # The presence line has its answer (not "checking…") before the picture is taken.
        expect(alex.locator("#ex-presence")).to_have_attribute("data-online",
                                                               re.compile("^(yes|no)$"))
        screenshot(alex, "notifications-offer-light")
        offer.get_by_role("button", name="Not now").click()
        expect(offer).to_be_hidden()

        # The worker sends it; the stand-in checks the signature, the test decrypts it.
        with app.app_context():
            stats = notify_worker.run_batch()
            db.session.remove()
        assert stats.push == 1, stats
        (got,) = service.wait_for(1)
        payload = device.decrypt(got.body)
        message = json.loads(payload)
        assert message["title"] == "Alex invites you to an exercise"
        assert message["url"] == exercise_path
        assert "weekend" not in payload.decode()

        # Chromium hands that push to Blair's service worker, which shows it.
        scope = f"{live_server.url}/"
        deadline = time.monotonic() + 30
        while not any(r["scopeURL"] == scope and not r["isDeleted"] for r in registrations):
            assert time.monotonic() < deadline, registrations
            blair.wait_for_timeout(100)
        registration = next(r for r in registrations if r["scopeURL"] == scope)
        blair.evaluate("async () => { await navigator.serviceWorker.ready; }")  # active
        shown: list[Any] = []
        deadline = time.monotonic() + 30
        while not shown:
            assert time.monotonic() < deadline, "the service worker showed no notification"
            # A push the browser hands over while its worker is still starting can be dropped
            # (seen on a loaded machine); a push service delivers again, and so does the test.
            # The notification's tag makes a second delivery replace, never add, one.
            cdp.send("ServiceWorker.deliverPushMessage", {
                "origin": live_server.url, "registrationId": registration["registrationId"],
                "data": payload.decode()})
            wait = time.monotonic() + 5
            while not shown and time.monotonic() < wait:
                blair.wait_for_timeout(200)
                shown = blair.evaluate("""async () => (await (await navigator.serviceWorker
                    .ready).getNotifications()).map((n) => ({title: n.title, body: n.body,
                    data: n.data, tag: n.tag}))""")
        assert shown == [{"title": "Alex invites you to an exercise",
                          "body": "Speaker–Listener: say yes, pick a time, or say not now.",
                          "data": {"url": exercise_path},
                          "tag": message["tag"]}]

        # A tap opens the proposal, in the tab Blair already has.
        (worker,) = [w for w in blair_ctx.service_workers if w.url.endswith("/sw.js")]
        worker.evaluate("""async () => {
            const [n] = await self.registration.getNotifications();
            self.dispatchEvent(new NotificationEvent("notificationclick", {notification: n}));
        }""")
        expect(blair).to_have_url(f"{live_server.url}{exercise_path}")
        expect(blair.get_by_role("button", name="Accept now")).to_be_visible()
        assert blair.evaluate("""async () => (await (await navigator.serviceWorker.ready)
            .getNotifications()).length""") == 0  # the tapped one is closed

        # Blair's bell has it too, and the list says it without anything anyone wrote.
        with app.app_context():  # a fixed time, so the screenshot changes only with the app
            db.session.execute(sa.update(Notification).values(due_at=SHOWN_AT))
            db.session.commit()
            db.session.remove()
        blair.goto("/notifications")
        expect(blair.get_by_role("link", name=re.compile("Alex invites you"))).to_be_visible()
        expect(blair.locator("#bell .bell-count")).to_be_hidden()  # seen now
        screenshot(blair, "notifications-inbox-dark")
        blair.emulate_media(color_scheme="light")
        screenshot(blair, "notifications-inbox-light")
        assert_accessible_both_schemes(blair, "notifications list")
        assert problems == []
