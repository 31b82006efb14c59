"""Finding the FAQ entry or guide an editor means: by its id, by words of its title, and by
the bot's own question index (what the bot would match the words to). The content gaps'
"answered by entry X" picker uses it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.content.schema import ContentPack
from bot.content.store import ContentStore
from bot.faq.served import AnsweringContent
from bot.kernel.text import fold

MAX_QUERY = 300  # characters of a search read


@dataclass(frozen=True)
class EntryChoice:
    kind: str  # "faq" or "guide"
    id: str
    title: str  # the entry's question, or the guide's title


def entry(pack: ContentPack, entry_id: str) -> EntryChoice | None:
    """The FAQ entry or guide with this id, if the served pack has one."""
    faq = pack.faq_entry(entry_id)
    if faq is not None:
        return EntryChoice("faq", faq.id, faq.question)
    guide = pack.guide(entry_id)
    return EntryChoice("guide", guide.id, guide.title) if guide is not None else None


def find_entries(store: ContentStore, query: str, limit: int = 10) -> list[EntryChoice]:
    """Entries for `query`, best first: the entry whose id it is, those whose id or title
    contain every word of it (or its start) (folded: diacritics optional), then what the question index
    ranks highest for it."""
    pack = store.pack
    query = (query or "")[:MAX_QUERY]
    words = fold(query).split()
    if not words:
        return []
    everything = [EntryChoice("faq", e.id, e.question) for e in pack.faq] + [
        EntryChoice("guide", g.id, g.title) for g in pack.guides]
    exact = [c for c in everything if c.id == query.strip().lower()]
    containing = [c for c in everything if c not in exact and _says(c, words)]
    found = exact + containing
    if isinstance(store, AnsweringContent) and len(found) < limit:
        _, hits = store.answerer.search(query)
        by_id = {(c.kind, c.id): c for c in everything}
        found += [c for h in hits if (c := by_id.get((h.entry.kind, h.entry.id))) is not None and c not in found]
    return found[:max(limit, 0)]


def _says(choice: EntryChoice, words: list[str]) -> bool:
    """Every word typed begins a word of the id or title (so a word half typed finds it)."""
    own = fold(f"{choice.id.replace('-', ' ')} {choice.title}").split()
    return all(any(o.startswith(w) for o in own) for w in words)
