"""Draw Attune's app icons (two overlapping rings) as PNG and SVG, with no image library."""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "app" / "static" / "icons"
BG = (122, 53, 82)
RING = (247, 241, 234)


def _png(size: int, pixels: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + row for row in pixels)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def draw(size: int, *, maskable: bool) -> bytes:
    """Render the icon; the maskable one keeps the rings inside the 80% safe zone."""
    scale = size / 32 * (0.72 if maskable else 0.9)
    cx, cy = size / 2, size / 2
    r, width = 8 * scale, 2.6 * scale
    centres = [(cx - 4 * scale, cy), (cx + 4 * scale, cy)]
    corner = 0 if maskable else size * 0.22
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            px, py = x + 0.5, y + 0.5
            # Rounded-square background (full bleed when maskable).
            dx = max(corner - px, px - (size - corner), 0)
            dy = max(corner - py, py - (size - corner), 0)
            inside_bg = 1.0 if corner == 0 else max(0.0, min(1.0, corner - math.hypot(dx, dy) + .5))
            ring = 0.0
            for (ox, oy) in centres:
                d = abs(math.hypot(px - ox, py - oy) - r)
                ring = max(ring, max(0.0, min(1.0, width / 2 - d + .5)))
            color = [round(BG[i] * (1 - ring) + RING[i] * ring) for i in range(3)]
            row += bytes(color) + bytes([round(255 * inside_bg)])
        rows.append(bytes(row))
    return _png(size, rows)


SVG = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#7a3552"/><g fill="none" stroke="#f7f1ea" stroke-width="2.4"><circle cx="12.4" cy="16" r="7.2"/><circle cx="19.6" cy="16" r="7.2"/></g></svg>
"""

if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icon-192.png").write_bytes(draw(192, maskable=False))
    (OUT / "icon-512.png").write_bytes(draw(512, maskable=False))
    (OUT / "icon-maskable-512.png").write_bytes(draw(512, maskable=True))
    (OUT / "icon.svg").write_text(SVG)
    print("icons written to", OUT)
