"""`web.yaml`: how the web chat page looks — the emblem, the colours, the hotline in its
footer. The agency's name, the portal link and the bot's name come from `pack.yaml`; every
sentence of the page from the message catalogue (`web_*` keys)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from bot.content.schema_base import Slug, Strict, Text

Colour = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^#[0-9a-fA-F]{6}$")]

# Image types the emblem may be, by file suffix, with the type the page serves it as.
EMBLEM_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".webp": "image/webp"}
EMBLEM_MAX_BYTES = 200 * 1024
# WCAG 2.x level AA for normal text.
AA_CONTRAST = 4.5


class WebColours(Strict):
    # The header, the send button and the buttons' outline; white text is written on it.
    primary: Colour = "#a3161c"
    # The thin stripe under the header and the emblem's ring (decoration only).
    accent: Colour = "#f2c230"


class WebBranding(Strict):
    # The agency's emblem or logo: an image file inside the pack (SVG, PNG or WebP).
    emblem: Text | None = None
    colours: WebColours = WebColours()
    # The hotline (an id in hotlines.yaml) whose number the page's footer shows.
    footer_hotline: Slug | None = None


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """The relative luminance of "#rrggbb" (WCAG 2.x)."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str, b: str) -> float:
    """The contrast ratio of two colours, 1 to 21 (WCAG 2.x)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)
