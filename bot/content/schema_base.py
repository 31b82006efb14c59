"""What every part of the content pack's schema is built from: `Strict`, the base of every
model (unknown fields are an error, a loaded pack is frozen), and the two kinds of field
most of them use, `Slug` (an id: lowercase letters and digits, words joined by hyphens)
and `Text` (a non-empty string, trimmed)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
