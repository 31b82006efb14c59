"""The served content with its question answerer: the FAQ index is built in the same
worker thread as each pack is read, and swapped in with it."""

from __future__ import annotations

from typing import cast

from bot.content.schema import ContentPack
from bot.content.store import ContentStore
from bot.faq.answerer import QuestionAnswerer


class AnsweringContent(ContentStore):
    def derive(self, pack: ContentPack) -> QuestionAnswerer:
        return QuestionAnswerer(pack)

    @property
    def answerer(self) -> QuestionAnswerer:
        return cast(QuestionAnswerer, self.derived)
