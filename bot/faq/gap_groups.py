"""Grouping the questions the bot could not answer by similarity (pure: no database).

Each wording logged gets a **comparison form**: folded (no diacritics, lower case,
punctuation gone), letters typed three times squashed, the pack's abbreviations read
("đk" → "đăng ký"), particles and politeness dropped ("ạ", "cho hỏi", "thế nào"), and its
words sorted once each — so "Cho hỏi giá vàng hôm nay ạ" and "hôm nay giá vàng thế nào"
are one form. Forms are then grouped by similarity with rapidfuzz (`fuzz.ratio` of the
sorted words, at least `SIMILAR`): typos and a word more or less stay together. A form is
compared only with the groups that share one of its rarer words, so the cost stays close
to linear in the number of wordings.

A group's **id** is the first ten hex digits of the SHA-1 of its representative's form:
the most asked form when the group first appears, and from the moment an editor marks it,
the form it had then, kept with the mark. The same questions give the same id on every
run, and an id names a form rather than a position in a list; any form of a group that
was once shown as its representative (`GapGroup.ids`) still finds it.

Marks (`bot/db/models_gaps.py`) hold every form of the group marked. A marked form goes to
its mark's group whatever the similarity says; a new form similar to a form of a group
marked "to write" or "ignore" joins it — so an ignored question stays hidden when it comes
back in new words, and new questions in a group to write are counted. A group "answered"
is settled: its forms leave it only if they are asked *and still not answered* after the
mark, and then they are listed again as an open group."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

from rapidfuzz import fuzz, process

from bot.db.models_gaps import GapState
from bot.kernel.personal import MASKED
from bot.kernel.text import FILLERS, MASK, fold, fold_table, is_syllable, squash, strip_marks

# Two forms are one group when most of their words are the same: at least SHARED_SMALL of
# the shorter form's words and SHARED_LARGE of the longer's. A word counts as the same as
# a word of the other form that is a typo of it (rapidfuzz ratio at least TYPO, or TYPO_LOOSE
# when one of them is no Vietnamese syllable, like "sihn"): "vàng" and "xăng" are two words.
SHARED_SMALL = 0.8
SHARED_LARGE = 0.6
TYPO = 85.0
TYPO_LOOSE = 70.0
PREFILTER = 60.0  # token_set_ratio below which a group is not looked at closer
CANDIDATES = 32  # groups a form is compared with at most (those sharing its rarest words)
ID_LENGTH = 10
MASK_WORDS = frozenset({MASK})

# Words that say how something is asked, not what about, for grouping only ("cho hỏi",
# "xin", "thế nào", "bao lâu", "ở đâu", "làm"): matching keeps them, they weigh there.
_NOISE = FILLERS | MASK_WORDS | frozenset(
    """
    cho hoi xin cam on the nao khong duoc ko k vay voi a ad oi
    bao lau nhieu gi dau sao ra khi nhung lam o la co phai
    """.split())


def group_id(form: str) -> str:
    return hashlib.sha1(form.encode("utf-8")).hexdigest()[:ID_LENGTH]


class Forms:
    """Comparison forms, with the pack's abbreviation table."""

    def __init__(self, abbreviations: Mapping[str, list[str]]) -> None:
        table = fold_table(dict(abbreviations))
        self._reading = {short: tuple(fold(readings[0]).split()) for short, readings in table.items() if readings}
        self.form = lru_cache(maxsize=65536)(self._form)
        # A typed word's folded words, abbreviation read ("đk," → "dang ky"): people use a
        # few thousand words, so each is folded once.
        self._words = lru_cache(maxsize=65536)(self._typed_word)

    def _typed_word(self, raw: str) -> frozenset[str]:
        out: list[str] = []
        for word in squash(raw).split():
            out += self._reading.get(word, (word,))
        return frozenset(out)

    def _form(self, text: str) -> str:
        words = frozenset().union(*map(self._words, text.split()))
        kept = words - _NOISE
        return " ".join(sorted(kept or words))


@dataclass(frozen=True)
class Asked:
    """One wording, as logged, by one person: what the database's aggregation returns."""

    text: str
    user_key: str
    count: int
    suggested: int  # of `count`, how often the bot offered "did you mean" rather than nothing
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Mark:
    state: GapState
    group_id: str
    representative: str
    marked_at: datetime
    entry_id: str | None = None
    marked_by: str | None = None


@dataclass
class Wording:
    """A question as a citizen typed it (personal data masked), and how often."""

    text: str
    count: int


@dataclass
class GapGroup:
    id: str
    representative: str  # the form the id is made from
    question: str = ""  # the wording to show: the most asked one typed with diacritics, if any
    wordings: list[Wording] = field(default_factory=list)  # as typed, most asked first
    count: int = 0
    people: int = 0
    suggested: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    mark: Mark | None = None
    forms: list[str] = field(default_factory=list)  # the comparison forms, most asked first
    chosen: Counter[str] = field(default_factory=Counter)  # entries people tapped after a suggestion

    @property
    def ids(self) -> set[str]:
        """Every id that finds this group: its own and each of its forms'."""
        return {self.id} | {group_id(f) for f in self.forms}

    @property
    def listed(self) -> bool:
        """Shown in the list of gaps: not marked, or marked to write."""
        return self.mark is None or self.mark.state == GapState.TO_WRITE


@dataclass
class _Form:
    form: str
    first: datetime
    last: datetime
    texts: dict[str, int] = field(default_factory=dict)
    people: set[str] = field(default_factory=set)
    count: int = 0
    suggested: int = 0


@dataclass
class _Cluster:
    id: str
    representative: str
    mark: Mark | None = None
    forms: list[_Form] = field(default_factory=list)


def group(asked: Iterable[Asked], marks: Mapping[str, Mark], forms: Forms) -> list[GapGroup]:
    """The groups of the wordings asked, most asked first. `marks`: form → its group's mark."""
    by_form: dict[str, _Form] = {}
    form_of = forms.form
    for a in asked:
        key = form_of(a.text)
        if not key:
            continue
        agg = by_form.get(key)
        if agg is None:
            agg = by_form[key] = _Form(key, first=a.first, last=a.last)
        elif a.first < agg.first:
            agg.first = a.first
        if a.last > agg.last:
            agg.last = a.last
        agg.texts[a.text] = agg.texts.get(a.text, 0) + a.count
        agg.people.add(a.user_key)
        agg.count += a.count
        agg.suggested += a.suggested

    clusters: dict[str, _Cluster] = {}
    leaders = _Leaders()
    for form, mark in marks.items():  # marked groups first, so new wordings can join them
        cluster = clusters.get(mark.group_id)
        if cluster is None:
            cluster = clusters[mark.group_id] = _Cluster(mark.group_id, mark.representative, mark)
        if mark.state != GapState.ANSWERED:
            leaders.add(form, cluster)

    pending = []
    for f in by_form.values():
        marked = marks.get(f.form)
        if marked is None or (marked.state == GapState.ANSWERED and f.last > marked.marked_at):
            pending.append(f)
        else:
            clusters[marked.group_id].forms.append(f)
    pending.sort(key=lambda f: (-f.count, f.form))
    for f in pending:
        joined = leaders.closest(f.form)
        if joined is None:
            joined = _Cluster(_new_id(f.form, clusters), f.form)
            clusters[joined.id] = joined
            leaders.add(f.form, joined)
        joined.forms.append(f)
    groups = [_summarise(c) for c in clusters.values() if c.forms]
    groups.sort(key=lambda g: (-g.count, -g.people, g.question))
    return groups


def _new_id(form: str, clusters: Mapping[str, _Cluster]) -> str:
    """The id of a new group. Only a form asked again, still unanswered, after its group
    was marked answered can find its id taken (by that group): it gets one of its own."""
    taken = clusters.get(group_id(form))
    if taken is None or taken.mark is None:
        return group_id(form)
    return group_id(f"{form}\n{taken.mark.marked_at.isoformat()}")


class _Leaders:
    """The forms groups are known by, indexed by word for finding the close ones."""

    def __init__(self) -> None:
        self.forms: list[str] = []
        self.clusters: list[_Cluster] = []
        self.postings: dict[str, list[int]] = {}

    def add(self, form: str, cluster: _Cluster) -> None:
        index = len(self.forms)
        self.forms.append(form)
        self.clusters.append(cluster)
        for word in set(form.split()):
            self.postings.setdefault(word, []).append(index)

    def closest(self, form: str) -> _Cluster | None:
        lists = sorted((p for w in form.split() if (p := self.postings.get(w))), key=len)
        candidates: set[int] = set()
        for postings in lists[:2]:  # the rarer words: a shared common word proves nothing
            candidates.update(postings[:CANDIDATES])  # the most asked groups first
            if len(candidates) >= CANDIDATES:
                break
        if not candidates:
            return None
        order = sorted(candidates)
        close = process.extract(form, [self.forms[i] for i in order], scorer=fuzz.token_set_ratio,
                                score_cutoff=PREFILTER, limit=3)
        for choice, _, position in close:  # best first
            if similar(form, choice):
                return self.clusters[order[position]]
        return None


def similar(a: str, b: str) -> bool:
    """Are two comparison forms one question (see SHARED_SMALL)?"""
    words_a, words_b = set(a.split()), set(b.split())
    shared = len(words_a & words_b)
    small, large = sorted((len(words_a), len(words_b)))
    if shared >= SHARED_SMALL * small and shared >= SHARED_LARGE * large:
        return True
    rest_b = words_b - words_a
    for word in sorted(words_a - words_b):
        match = process.extractOne(word, rest_b, scorer=fuzz.ratio, score_cutoff=TYPO_LOOSE)
        if match and (match[1] >= TYPO or not (is_syllable(word) and is_syllable(match[0]))):
            shared += 1
            rest_b.discard(match[0])
    return shared >= SHARED_SMALL * small and shared >= SHARED_LARGE * large


def _summarise(cluster: _Cluster) -> GapGroup:
    forms = sorted(cluster.forms, key=lambda f: (-f.count, f.form))
    texts: Counter[str] = Counter()
    people: set[str] = set()
    for f in forms:
        texts.update(f.texts)
        people |= f.people
    wordings = [Wording(t, n) for t, n in sorted(texts.items(), key=lambda x: (-x[1], x[0]))]
    firsts = [f.first for f in forms]
    lasts = [f.last for f in forms]
    return GapGroup(
        id=cluster.id, representative=cluster.representative, question=_title(wordings), wordings=wordings,
        count=sum(f.count for f in forms), people=len(people), suggested=sum(f.suggested for f in forms),
        first_seen=min(firsts, default=None), last_seen=max(lasts, default=None), mark=cluster.mark,
        forms=[f.form for f in forms])


def has_diacritics(text: str) -> bool:
    return not text.isascii() and strip_marks(text) != text


def _title(wordings: list[Wording]) -> str:
    """The most asked wording typed with diacritics (easier to read), else the most asked."""
    if not wordings:
        return ""
    return next((w.text for w in wordings if has_diacritics(w.text)), wordings[0].text)


def phrasings(group: GapGroup, forms: Forms, known: set[str], limit: int) -> list[str]:
    """The group's wordings to add to an entry as phrasings: one per comparison form not
    already among the entry's (`known`), typed with diacritics where someone did, none with
    masked personal data; the most asked first, at most `limit`."""
    best: dict[str, Wording] = {}
    for w in group.wordings:  # most asked first
        if MASKED in w.text:
            continue
        f = forms.form(w.text)
        if not f or f in known:
            continue
        held = best.get(f)
        if held is None or (has_diacritics(w.text) and not has_diacritics(held.text)):
            best[f] = w
    return [w.text for w in best.values()][:limit]
