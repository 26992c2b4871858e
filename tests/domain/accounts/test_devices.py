"""Coarse device names from user agents."""

from __future__ import annotations

import pytest

from app.domain.accounts.devices import describe

IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1")
ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/124.0.0.0 Mobile Safari/537.36")
EDGE = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51")
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0"
CHROME_IOS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1")


@pytest.mark.parametrize("ua,expected", [
    (IPHONE, "Safari on iPhone"), (ANDROID, "Chrome on Android"), (EDGE, "Edge on Windows"),
    (FIREFOX_MAC, "Firefox on Mac"), (CHROME_IOS, "Chrome on iPhone"),
    ("python-requests/2.32", "Unknown device"), ("", "Unknown device"),
    ("Werkzeug/3.1", "Unknown device"),
])
def test_a_device_is_named_by_browser_and_system(ua: str, expected: str) -> None:
    assert describe(ua) == expected
