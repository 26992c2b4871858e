"""A coarse, readable name for a device, from its browser's user agent."""

from __future__ import annotations

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari", Android says "Linux".
_BROWSERS: tuple[tuple[str, str], ...] = (
    ("edg/", "Edge"), ("edga/", "Edge"), ("edgios/", "Edge"), ("opr/", "Opera"),
    ("samsungbrowser/", "Samsung Internet"), ("firefox/", "Firefox"), ("fxios/", "Firefox"),
    ("crios/", "Chrome"), ("chromium/", "Chromium"), ("chrome/", "Chrome"),
    ("safari/", "Safari"),
)
_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("iphone", "iPhone"), ("ipad", "iPad"), ("android", "Android"), ("cros", "ChromeOS"),
    ("mac os x", "Mac"), ("macintosh", "Mac"), ("windows", "Windows"), ("linux", "Linux"),
)


def browser_of(user_agent: str) -> str:
    """The browser's family name, or an empty string when it is not recognised."""
    ua = user_agent.lower()
    return next((name for needle, name in _BROWSERS if needle in ua), "")


def system_of(user_agent: str) -> str:
    """The operating system or device family, or an empty string when not recognised."""
    ua = user_agent.lower()
    return next((name for needle, name in _SYSTEMS if needle in ua), "")


def describe(user_agent: str) -> str:
    """E.g. "Chrome on Android", "Safari on iPhone", "Firefox", "Unknown device"."""
    browser, system = browser_of(user_agent), system_of(user_agent)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown device"
