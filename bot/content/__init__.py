"""The content pack: schema, loading and validation."""

from bot.content.loader import ContentError, ContentIssue, load_pack
from bot.content.schema import OPERATOR_FILL, ContentPack, filled

__all__ = ["OPERATOR_FILL", "ContentError", "ContentIssue", "ContentPack", "filled", "load_pack"]
