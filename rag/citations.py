"""Check every citation of a draft answer against the passages, for every answerer.

Rules (the product's promise to a journalist):
- a marker [n] must name a retrieved passage; one that does not is removed and reported;
- a cited sentence must be supported by a span of its passage (``rag.support``); the citation
  then points at that exact span, verbatim, with its offsets in the stored document;
- a sentence whose citation points at the wrong passage is re-cited to the passage that does
  support it, and the correction is reported;
- a sentence with no valid, supporting citation is marked unsupported, never shown as sourced.
Citations are renumbered 1..m in order of first use; one span keeps one number.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from rag.answerers.base import LEADS, NAMES_LEAD, NO_ANSWER, names_line, parse_names_line
from rag.refmarks import restore_marks, show_marks
from rag.sentences import sentence_spans
from rag.support import SupportMatch, SupportScorer
from rag.types import (
    PARAGRAPH_SEPARATOR,
    AnswerSentence,
    Citation,
    Passage,
    paragraph_at,
    paragraph_starts,
)

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\d+(?:\s*,\s*\d+)*\])+")
# "... into the U.S. [2] The White House ...": a marker then a capital starts a new sentence
# (the splitter keeps "U.S. The" together, as it should inside a sentence)
_AFTER_MARKER = re.compile(r"(?<=\d\])\s+(?=[\"“‘(]?[A-Z])")


@dataclass
class VerifiedDraft:
    text: str
    grounded: bool
    sentences: list[AnswerSentence] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class _Checked:
    """A draft sentence after its check, before citations are numbered."""

    text: str
    paragraph: int
    role: Literal["claim", "names", "lead"]
    matches: list[tuple[Passage, SupportMatch]]
    names: list[tuple[str, int]] | None = None


def name_sentence(
    name: str, passage: Passage, texts: Mapping[str, str], quoted: list[tuple[str, SupportMatch]]
) -> SupportMatch | None:
    """The sentence of the passage that holds ``name`` verbatim: one the answer quotes if any,
    else the first; None when the passage does not contain the name."""
    text = texts.get(passage.doc_id, "")
    start, end = passage.chunk.start, passage.chunk.end
    hits = []
    pos = text.find(name, start, end)
    while pos != -1:
        hits.append(pos)
        pos = text.find(name, pos + 1, end)
    if not hits:
        return None
    for doc_id, m in quoted:
        if doc_id == passage.doc_id and any(m.start <= h and h + len(name) <= m.end for h in hits):
            return SupportMatch(m.start, m.end, 1.0)
    for s, e in sentence_spans(text, start, end):
        if s <= hits[0] and hits[0] + len(name) <= e:
            return SupportMatch(s, e, 1.0)
    return SupportMatch(hits[0], hits[0] + len(name), 1.0)


def parse_markers(sentence: str) -> list[int]:
    """Passage numbers cited in a sentence, in order, without repeats: "[1, 3][2]" -> 1, 3, 2."""
    found: list[int] = []
    for group in _MARKER.findall(sentence):
        for n in (int(x) for x in group.split(",")):
            if n not in found:
                found.append(n)
    return found


_TRAILING_MARKERS = re.compile(r"(?:\s*\[\d+(?:\s*,\s*\d+)*\])+\s*([.!?]?)\s*$")


def split_trailing_markers(sentence: str) -> tuple[str, list[int]]:
    """("claim.", [1, 2]) from "claim [1][2]." or "claim. [1, 2]"; inline markers stay."""
    match = _TRAILING_MARKERS.search(sentence)
    if not match:
        return sentence.strip(), []
    head = sentence[: match.start()].rstrip()
    punct = match.group(1)
    if punct and not head.endswith(punct):
        head += punct
    return head, parse_markers(match.group(0))


def strip_all_markers(sentence: str) -> str:
    text = _MARKER.sub("", sentence)
    return re.sub(r"\s+([.,;:!?])", r"\1", " ".join(text.split())).strip()


def split_draft(draft: str) -> list[list[str]]:
    """Paragraphs of sentences; a marker that follows a full stop stays with its sentence."""
    paragraphs: list[list[str]] = []
    for block in re.split(r"\n\s*\n", draft.strip()):
        block = " ".join(block.split())
        if block.startswith(NAMES_LEAD):
            paragraphs.append([block])  # names may hold full stops ("U.S. Navy"): one line
            continue
        sentences: list[str] = []
        pieces = [p for s, e in sentence_spans(block) for p in _AFTER_MARKER.split(block[s:e])]
        for piece in pieces:
            lead = _LEADING_MARKERS.match(piece)
            if lead and sentences:
                sentences[-1] += " " + lead.group(0).strip()
                piece = piece[lead.end() :].strip()
            if piece:
                sentences.append(piece)
        if sentences:
            paragraphs.append(sentences)
    return paragraphs


def is_refusal(draft: str) -> bool:
    return strip_all_markers(draft).strip().rstrip(".") == NO_ANSWER.rstrip(".")


class CitationChecker:
    """Verifies drafts against passages, given the stored text of their documents."""

    def __init__(self, scorer: SupportScorer) -> None:
        self.scorer = scorer

    @staticmethod
    def _claim(
        sentence: str, passages: Sequence[Passage], texts: Mapping[str, str]
    ) -> tuple[str, list[int]]:
        """The claim and its cited numbers. Bracketed numbers inside a verbatim quote of a
        passage (documents have their own reference marks) are text, not citations; a mark
        shown as "⁽⁵⁾" is the document's "[5]"."""

        def verbatim(text: str) -> bool:
            return any(
                text in texts.get(p.doc_id, "")[p.chunk.start : p.chunk.end] for p in passages
            )

        restored = restore_marks(sentence)
        if restored != sentence:
            head, trailing = split_trailing_markers(restored)
            if verbatim(head):
                return head, trailing
        head, trailing = split_trailing_markers(sentence)
        if _MARKER.search(head) and verbatim(head):
            return head, trailing
        return strip_all_markers(sentence), parse_markers(sentence)

    def _match(self, claim: str, passage: Passage, text: str) -> SupportMatch:
        return self.scorer.best_span(claim, text, passage.chunk.start, passage.chunk.end)

    def verify(
        self, draft: str, passages: Sequence[Passage], texts: Mapping[str, str]
    ) -> VerifiedDraft:
        if not draft.strip() or is_refusal(draft):
            return VerifiedDraft(text=NO_ANSWER, grounded=False)
        notes: list[str] = []
        checked: list[_Checked] = []
        for para_index, paragraph in enumerate(split_draft(draft)):
            for sentence in paragraph:
                checked.append(self._check(sentence, para_index, passages, texts, notes))
        quoted = [(p.doc_id, m) for c in checked for p, m in c.matches]
        for c in checked:
            if c.names is not None:
                c.matches = self._name_spans(c, passages, texts, quoted, notes)
        return self._numbered(checked, texts, notes)

    def _check(
        self,
        sentence: str,
        paragraph: int,
        passages: Sequence[Passage],
        texts: Mapping[str, str],
        notes: list[str],
    ) -> _Checked:
        """One sentence of the draft: a lead line, a names line (resolved later) or a claim."""
        if sentence in LEADS or sentence == NO_ANSWER:  # ours, or the model saying it found none
            return _Checked(sentence, paragraph, "lead", [])
        names = parse_names_line(sentence)
        if names is not None:
            return _Checked(sentence, paragraph, "names", [], names=names)
        claim, cited = self._claim(sentence, passages, texts)
        matches = self._support(claim, cited, passages, texts, notes)
        if cited and not matches:
            notes.append(f"Not supported by the cited passage(s): “{claim}”")
        return _Checked(claim, paragraph, "claim", matches)

    def _name_spans(
        self,
        line: _Checked,
        passages: Sequence[Passage],
        texts: Mapping[str, str],
        quoted: list[tuple[str, SupportMatch]],
        notes: list[str],
    ) -> list[tuple[Passage, SupportMatch]]:
        """Each name must be a verbatim span of its cited passage; it is cited to the sentence
        holding it (the quoted one when the answer quotes it). Other names are dropped."""
        found: list[tuple[Passage, SupportMatch]] = []
        kept: list[tuple[str, int]] = []
        for name, n in line.names or []:
            span = None
            if 1 <= n <= len(passages):
                span = name_sentence(name, passages[n - 1], texts, quoted)
            if span is None:
                notes.append(f"“{name}” is not in passage [{n}]; left out of the names.")
                continue
            found.append((passages[n - 1], span))
            kept.append((name, n))
        line.names = kept
        return found

    def _numbered(
        self, checked: list[_Checked], texts: Mapping[str, str], notes: list[str]
    ) -> VerifiedDraft:
        """Citations numbered 1..m in order of first use (one span, one number), and the text."""
        numbers: dict[tuple[str, int, int], Citation] = {}
        paragraphs: dict[int, list[str]] = {}
        sentences: list[AnswerSentence] = []
        for c in checked:
            ns: list[int] = []
            for passage, match in c.matches:
                key = (passage.doc_id, match.start, match.end)
                if key not in numbers:
                    numbers[key] = self._citation(len(numbers) + 1, passage, match, texts)
                ns.append(numbers[key].n)
            unique = tuple(dict.fromkeys(ns))
            if c.role == "names":
                items = tuple((name, n) for (name, _), n in zip(c.names or [], ns, strict=True))
                if not items:
                    continue
                s = AnswerSentence(
                    names_line([(name, "") for name, _ in items]),
                    unique,
                    True,
                    c.paragraph,
                    role="names",
                    items=items,
                )
                shown = names_line([(name, f" [{n}]") for name, n in items])
            else:
                supported = bool(unique) or c.role == "lead"
                s = AnswerSentence(c.text, unique, supported, c.paragraph, role=c.role)
                shown = show_marks(c.text) + "".join(f" [{n}]" for n in unique)
            sentences.append(s)
            paragraphs.setdefault(c.paragraph, []).append(shown)
        return VerifiedDraft(
            text=PARAGRAPH_SEPARATOR.join(" ".join(p) for _, p in sorted(paragraphs.items())),
            grounded=any(s.supported and s.role != "lead" for s in sentences),
            sentences=sentences,
            citations=sorted(numbers.values(), key=lambda c: c.n),
            notes=notes,
        )

    def _support(
        self,
        claim: str,
        cited: list[int],
        passages: Sequence[Passage],
        texts: Mapping[str, str],
        notes: list[str],
    ) -> list[tuple[Passage, SupportMatch]]:
        """Supporting (passage, span) pairs for a claim, correcting wrong numbers."""
        valid = [n for n in cited if 1 <= n <= len(passages)]
        for n in cited:
            if n not in valid:
                notes.append(f"[{n}] does not name a retrieved passage; removed.")
        if not cited:
            return []  # an uncited sentence is not shown as sourced
        found = []
        for n in valid:
            p = passages[n - 1]
            m = self._match(claim, p, texts[p.doc_id])
            if self.scorer.supports(m.score):
                found.append((p, m))
        if found:
            return found
        # The cited number is wrong or out of range: look for the passage that does support it.
        others = [p for i, p in enumerate(passages, start=1) if i not in valid]
        best: tuple[Passage, SupportMatch] | None = None
        for p in others:
            m = self._match(claim, p, texts[p.doc_id])
            if self.scorer.supports(m.score) and (best is None or m.score > best[1].score):
                best = (p, m)
        if best is not None:
            wrong = ", ".join(f"[{n}]" for n in cited)
            right = passages.index(best[0]) + 1
            notes.append(f"Citation {wrong} corrected to passage [{right}] for: “{claim}”")
            return [best]
        return []

    @staticmethod
    def _citation(
        n: int, passage: Passage, match: SupportMatch, texts: Mapping[str, str]
    ) -> Citation:
        text = texts[passage.doc_id]
        paragraph = paragraph_at(paragraph_starts(text), match.start)
        return Citation(
            n=n,
            doc_id=passage.doc_id,
            meta=passage.meta,
            paragraph=paragraph,
            start=match.start,
            end=match.end,
            quote=text[match.start : match.end],
            support=match.score,
            passage=passage,
        )
