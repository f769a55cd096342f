"""Answers that answer: every item of a list, each side, each part, reference marks shown apart.

The rule-based parts (question shapes, names, sides, marks) get small cases; the answers are
checked on the real corpus with the real model, real Chroma and the real citation check.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import pytest

from rag.answerers.base import NAMES_LEAD, SIDES_LEAD, names_line, parse_names_line
from rag.answerers.lists import enumerated, fuller_form, gather_items, name_spans, names_in
from rag.answerers.question import read_question
from rag.answerers.sides import verdict
from rag.clauses import facets
from rag.conflicts import ConflictDetector
from rag.lexical import tokenize
from rag.refmarks import restore_marks, show_marks, show_marks_in_quotes
from rag.types import Conflict, Passage

from .helpers import assert_quotes_exact, corpus_services

LIST_Q = "Which cartels and gangs have been designated as foreign terrorist organizations?"
SIDES_Q = "Has the US campaign against narco-terrorism been a success?"
COMPOUND_Q = (
    "Who designated the cartels as foreign terrorist organizations and how many Marines "
    "were deployed?"
)
DESIGNATED = {"Tren de Aragua", "Sinaloa", "CJNG", "Cartel del Noreste", "Cartel de Los Soles"}
MARK_SENTENCE = "some coordination efforts involve designating cartels as foreign terrorist"


# --- reading the question -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind", "ask", "subject"),
    [
        (LIST_Q, "list", "which", "cartels and gangs"),
        ("Name the groups the Treasury sanctioned.", "list", "what", "groups"),
        ("What are the main cartels operating in Mexico?", "list", "what", "main cartels"),
        (SIDES_Q, "sides", "yes_no", ""),
        ("Did the military strikes work?", "sides", "yes_no", ""),
        ("How effective has Plan Colombia been?", "sides", "how", ""),
        (COMPOUND_Q, "compound", "who", ""),
        ("Who designated the cartels as foreign terrorist organizations?", "fact", "who", ""),
        ("How many Marines and sailors were deployed?", "fact", "how_many", ""),
        ("What is the balloon effect?", "fact", "what", ""),
        ("When was Plan Colombia launched?", "fact", "when", ""),
        ("Which company makes the Kindle?", "fact", "which", "company"),
        ("Who is the official who announced the strikes?", "fact", "who", "official"),
        ("Did Trump secretly approve military action against cartels?", "fact", "yes_no", ""),
    ],
)
def test_question_shapes(question: str, kind: str, ask: str, subject: str) -> None:
    shape = read_question(question)
    assert (shape.kind, shape.ask, shape.subject) == (kind, ask, subject)


def test_who_is_the_person_wants_a_name_but_who_did_it_does_not() -> None:
    """ "Who is the individual that…" asks for a name (the answer opens with the names the
    quotes give, spelled in full); "Who designated…" is answered by the quotes that name the
    actor (names in them are mostly not the answer: "Latin American", "U.S.")."""
    assert read_question("Who is the individual that was charged with fraud?").wants_names
    assert not read_question("Who designated the cartels as terrorist groups?").wants_names
    assert not read_question("Who is Anna Kelly?").wants_names


def test_compound_parts_keep_the_order_asked() -> None:
    shape = read_question(COMPOUND_Q)
    assert shape.parts == (
        "Who designated the cartels as foreign terrorist organizations?",
        "how many Marines were deployed?",
    )
    # a trailing fragment is not a second ask
    assert read_question("Who designated the cartels and why?").kind == "fact"


def test_a_long_question_has_each_clause_as_a_part() -> None:
    question = (
        "Who is the individual whose trial is approaching, as reported by TechCrunch, who faced "
        "difficulties managing the rapid expansion of FTX as mentioned by The Verge, and who is "
        "also accused of committing fraud for personal gain?"
    )
    shape = read_question(question)
    assert (shape.kind, shape.ask) == ("fact", "who")  # "and who is also": the same person
    assert shape.parts == (
        "Who is the individual whose trial is approaching, as reported by TechCrunch",
        "who faced difficulties managing the rapid expansion of FTX as mentioned by The Verge",
        "who is also accused of committing fraud for personal gain",
    )  # "as reported by TechCrunch" says where to look for the clause before it
    short = "According to Fox News, which cartel did Trump target?"
    assert read_question(short).parts == (short,)


def test_a_long_questions_head_is_no_part_and_an_attribution_goes_with_its_clause() -> None:
    """ "Who is the individual that" asks for the answer's kind and sets no condition: quoted
    as a part, it drew sentences that merely mention a person. An attribution before the
    first clause goes with that clause, so that part is quoted from the source it names."""
    question = (
        "Who is the individual that, according to a Fortune article, shared a vision for AI "
        "at the developer conference, and is reported by TechCrunch to be launching a new "
        "venture?"
    )
    assert read_question(question).parts == (
        "shared a vision for AI at the developer conference, according to a Fortune article",
        "is reported by TechCrunch to be launching a new venture",
    )


@pytest.mark.parametrize(
    ("question", "clauses"),
    [
        (  # "2,000" and "November 6, 2023" are one number and one day, not two clauses
            "Which receiver, who scored twice on November 6, 2023 and might struggle to reach "
            "2,000-plus receiving yards in a single season because of strong pass defenses?",
            (
                "who scored twice on November 6, 2023",
                "might struggle to reach 2,000-plus receiving yards in a single season because "
                "of strong pass defenses",
            ),
        ),
        (  # a list of named sources is where to look, not a condition
            "Which football club, recently discussed in articles from 'The Guardian', 'The "
            "Roar', and 'BBC News', had a points penalty after a series of wins, and is "
            "recognized for its history and community?",
            (
                "recently discussed in articles from 'The Guardian', 'The Roar', 'BBC News'",
                "had a points penalty after a series of wins",
                "is recognized for its history and community",
            ),
        ),
        (  # "and its": a second thing said of the answer, each with its source
            "Which company, known for its Prime-themed sale day as reported by Wired and its "
            "dominance in the e-reader space according to The Verge, saw its stock drop?",
            (
                "known for its Prime-themed sale day as reported by Wired",
                "its dominance in the e-reader space according to The Verge",
                "saw its stock drop",
            ),
        ),
    ],
)
def test_clauses_keep_numbers_and_dates_whole_and_sources_with_a_clause(
    question: str, clauses: tuple[str, ...]
) -> None:
    assert facets(question) == clauses


def test_either_or_question_asks_each_alternative() -> None:
    shape = read_question("Is Tren de Aragua a gang or a terrorist organization?")
    assert shape.kind == "sides"
    assert shape.options == (
        "Is Tren de Aragua a gang?",
        "Is Tren de Aragua a terrorist organization?",
    )
    assert read_question("Is the strike legal or not?").options == ()


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        (
            "His administration also classified groups like Cartel del Noreste as foreign "
            "terrorist organizations.",
            ["Cartel del Noreste"],
        ),
        (
            "Attorney General Pam Bondi highlighted Venezuelan President Nicolas Maduro's "
            "exploitation of MS-13.",
            ["Pam Bondi", "Venezuelan", "Nicolas Maduro", "MS-13"],
        ),
        ("Multiple U.S. departments will coordinate.", ["U.S."]),
        ("The Venezuelan prison gang grew.", []),
        ("Using Caroline Ellison as a front, Bankman-Fried hid it.", ["Caroline Ellison"]),
    ],
)
def test_name_spans_are_verbatim(sentence: str, names: list[str]) -> None:
    spans = name_spans(sentence)
    assert [s.text for s in spans][: len(names)] == names
    assert all(sentence[s.start : s.end] == s.text for s in spans)


@pytest.mark.parametrize(
    ("sentence", "names"),
    [
        (
            "Unlike FTX, which filed for bankruptcy in late 2022, Binance is still standing.",
            ["FTX", "Binance"],
        ),
        (
            "Tyreek Hill helped the Dolphins rout the Washington Commanders (4-9).",
            ["Tyreek Hill", "Dolphins", "Washington Commanders"],
        ),
        (
            "The case, filed by Arkansas-based publisher Helena World Chronicle, says so.",
            ["Helena World Chronicle"],
        ),
        (
            "Matthew Stafford (@ Ravens) and Geno Smith (@ 49ers) are risky starts.",
            ["Matthew Stafford", "Ravens", "Geno Smith"],
        ),
        ("Week 4 was the first time the Vikings DIDN'T throw the ball.", ["Vikings"]),
        # a surname ending like a demonym ("Venezuelan prison gang") is still a name
        ("He met with Altman at the Rosewood hotel.", ["Altman", "Rosewood"]),
        ("It was not until Judge Lewis Kaplan intervened.", ["Judge Lewis Kaplan"]),
        ("Russian officials and the Venezuelan prison gang denied it.", []),
        (
            "They promised AI-powered tools to help YouTube, and I’ve read the letters.",
            ["YouTube"],
        ),
    ],
)
def test_openers_scores_and_place_adjectives_are_not_names(sentence: str, names: list[str]) -> None:
    """These stood in names lines ("Unlike FTX", "4-9", "Arkansas-based", "Vikings DIDN'T",
    "Matthew Stafford (@ Ravens" read as one name: a name ends at anything but spaces between
    its words), and "Altman" was missing from them (read as an adjective like "Venezuelan")."""
    assert [s.text for s in name_spans(sentence)] == names


def test_examples_of_what_is_asked_are_items() -> None:
    heads = frozenset(tokenize(["cartels and gangs"])[0])
    sentence = (
        "Recent escalations, including executive orders designating multiple Latin American "
        "cartels (e.g., Sinaloa, CJNG, Tren de Aragua) as FTOs in 2025, have drawn criticism."
    )
    spans = name_spans(sentence)
    examples = enumerated(sentence, spans, heads)
    assert sorted(spans[i].text for i, level in examples.items() if level == 2) == [
        "CJNG",
        "Sinaloa",
        "Tren de Aragua",
    ]
    # "including executive orders": the cue is followed by no name
    assert "Latin American" not in {spans[i].text for i in examples}


def test_short_form_merges_into_the_full_name_it_ends() -> None:
    sentences = [
        "Sam Bankman-Fried founded the exchange in 2019.",
        "Prosecutors said Bankman-Fried lied to investors.",
        "The Justice Department and Justice officials declined to comment.",
    ]
    items = gather_items(sentences, ["a", "b", "c"], [0.5, 0.9, 0.1], "Who founded FTX?")
    names = {it.name: it for it in items}
    assert names["Sam Bankman-Fried"].sources == {"a", "b"}
    assert "Bankman-Fried" not in names
    assert {"Justice Department", "Justice"} <= set(names)  # a prefix is another thing


def test_a_name_is_shown_as_a_source_spells_it_in_full() -> None:
    near = ["Prosecutors said Bankman-Fried lied to investors."]
    (item,) = [it for it in gather_items(near, ["a"], [0.9], "Who lied?") if it.cue == 0]
    passages = [
        "Bankman-Fried pleaded not guilty.",
        "The trial of Sam Bankman-Fried, former CEO of FTX, began on Tuesday.",
    ]
    assert fuller_form(item, names_in(passages)) == ("Sam Bankman-Fried", 1)
    other = names_in([*passages, "Mr Joe Bankman-Fried spoke."])
    assert fuller_form(item, other) is None  # which one?


def test_an_organisation_is_shown_as_a_source_spells_it_in_full() -> None:
    """Organisations are shortened to their first word ("Alameda"), people to their surname:
    for a question that asks for a company, a name's first words find its full form too."""
    near = ["Filings show Alameda kept losses off the exchange's books."]
    question = "Which company kept FTX's losses off its books?"
    (item,) = [it for it in gather_items(near, ["a"], [0.9], question) if it.cue == 0]
    passages = [*near, "Alameda Research, the trading firm, held the losses."]
    assert read_question(question).asks_organisation
    assert fuller_form(item, names_in(passages), organisation=True) == ("Alameda Research", 1)
    assert fuller_form(item, names_in(passages)) is None  # a person's first name is not them
    assert not read_question("Who is the individual that hid the losses?").asks_organisation


def test_names_line_round_trips() -> None:
    line = names_line([("Tren de Aragua", " [1]"), ("U.S. Navy", " [2]")])
    assert line == f"{NAMES_LEAD} Tren de Aragua [1], U.S. Navy [2]."
    assert parse_names_line(line) == [("Tren de Aragua", 1), ("U.S. Navy", 2)]
    assert parse_names_line(f"{NAMES_LEAD} Tren de Aragua, and more.") is None
    assert parse_names_line("Tren de Aragua [1].") is None


def test_a_quote_ending_in_an_abbreviation_stays_one_sentence() -> None:
    from rag.citations import split_draft

    draft = "It trafficked fentanyl into the U.S. [2] The White House designated them. [2]"
    assert split_draft(draft) == [
        ["It trafficked fentanyl into the U.S. [2]", "The White House designated them. [2]"]
    ]


# --- sides and marks ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "sign"),
    [
        ("The strategic battle against narco-terrorism remains lost.", -1),
        ("This cooperative framework has yielded concrete results.", 1),
        ("The framework has failed globally.", -1),
        ("The United States waged a campaign against narco-terrorism.", 0),
    ],
)
def test_verdict_on_the_axis_asked(sentence: str, sign: int) -> None:
    value = verdict(SIDES_Q, sentence)
    assert (value > 0) - (value < 0) == sign


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("organizations [5], which", "organizations ⁽⁵⁾, which"),
        ("directives [1] [9].", "directives ⁽¹⁾ ⁽⁹⁾."),
        ("in [2, 13]", "in ⁽², ¹³⁾"),
        ("no marks [a] here", "no marks [a] here"),
    ],
)
def test_document_marks_are_shown_apart_and_restored_exactly(text: str, shown: str) -> None:
    assert show_marks(text) == shown
    assert restore_marks(shown) == text


def test_marks_inside_quotes_only() -> None:
    line = "Sources disagree on X: [2] says “cartels [5], which”; [3] says “no”."
    assert show_marks_in_quotes(line) == (
        "Sources disagree on X: [2] says “cartels ⁽⁵⁾, which”; [3] says “no”."
    )


# --- answers on the corpus ------------------------------------------------------------------


@pytest.fixture(scope="module")
def indexed(tmp_path_factory, embeddings):
    """The corpus ingested once for the module (answers do not change the store)."""
    return corpus_services(tmp_path_factory.mktemp("shapes"), embeddings)


def test_list_question_names_the_designated_groups(indexed) -> None:
    answer = indexed.pipeline.ask(LIST_Q)
    assert answer.grounded
    assert answer.unsupported == []
    (line,) = [s for s in answer.sentences if s.role == "names"]
    assert answer.text.startswith(NAMES_LEAD)
    quotes = {c.n: c.quote for c in answer.citations}
    named = {name for name, _ in line.items}
    assert len(named & DESIGNATED) >= 3, named
    for name, n in line.items:
        assert name in quotes[n]  # each name is a verbatim span of the quote it cites
        assert f"{name} [{n}]" in answer.text
    # the quotes that name them follow, each cited with the number its names carry
    claims = [s for s in answer.sentences if s.role == "claim"]
    for _, n in line.items:
        assert any(n in s.citations and s.text == quotes[n] for s in claims)
    assert_quotes_exact(indexed, answer)
    assert answer.conflicts == []  # the sources agree on who was designated
    assert "Sources disagree" not in answer.text


def test_two_sided_question_quotes_each_side(indexed) -> None:
    answer = indexed.pipeline.ask(SIDES_Q)
    assert answer.grounded
    assert answer.text.startswith(SIDES_LEAD)
    lead, first, second = answer.sentences[:3]
    assert lead.role == "lead"
    assert not lead.citations
    cited = {c.n: c for c in answer.citations}
    sides = [cited[first.citations[0]], cited[second.citations[0]]]
    assert sides[0].doc_id != sides[1].doc_id
    failed = [c for c in sides if "Failed" in c.meta.title and verdict(SIDES_Q, c.quote) < 0]
    results = [c for c in sides if "result" in c.quote and verdict(SIDES_Q, c.quote) > 0]
    assert failed, [c.quote for c in sides]
    assert results, [c.quote for c in sides]
    assert_quotes_exact(indexed, answer)


def test_compound_question_quotes_each_part_in_order(indexed) -> None:
    answer = indexed.pipeline.ask(COMPOUND_Q)
    assert answer.grounded
    assert answer.unsupported == []
    quotes = [c.quote for c in answer.citations]
    designated = [i for i, q in enumerate(quotes) if "designated" in q]
    marines = [i for i, q in enumerate(quotes) if "4,000 Marines" in q]
    assert designated
    assert marines
    assert min(designated) < min(marines)  # the parts in the order asked


def test_document_reference_marks_never_pass_for_citations(indexed) -> None:
    from rag.present import footnoted_markdown

    question = (
        "How does designating cartels as terrorist organizations change coordination with "
        "Latin American governments?"
    )
    items = list(indexed.pipeline.stream(question))
    draft, answer = "".join(items[:-1]), items[-1]
    marked = [c for c in answer.citations if MARK_SENTENCE in c.quote]
    assert marked, "the fact-check sentence with its own [5] is quoted"
    quote = marked[0].quote
    assert "[5]" in quote  # JSON quote: verbatim
    assert_quotes_exact(indexed, answer)
    shown = show_marks(quote)
    assert "⁽⁵⁾" in shown
    body = footnoted_markdown(answer).split("\n\n[^")[0]
    for text in (answer.text, draft, body):
        assert quote not in text  # never the bare "[5]" beside our markers
        assert shown in text
    sentence = next(s for s in answer.sentences if s.text == quote)
    assert sentence.display == shown
    assert "[5]" not in " ".join(s.display for s in answer.sentences if not s.conflict)


def test_plain_answerer_keeps_the_old_answer(indexed) -> None:
    from rag.answerers.extractive import ExtractiveAnswerer

    plain = ExtractiveAnswerer(indexed.embeddings, shapes=False)
    assert plain.passages_for(LIST_Q, 6) == 6
    assert indexed.pipeline.answerer.passages_for(LIST_Q, 6) > 6
    passages = indexed.retriever.search(LIST_Q)
    draft = "".join(plain.stream(LIST_Q, passages))
    assert NAMES_LEAD not in draft
    picks = plain.select(LIST_Q, passages)
    assert picks
    assert all(f"{show_marks(p.text)} [{p.n}]" in draft for p in picks)  # the same quotes as ever


class _Judge:
    """A stand-in for the disagreement judge: one fixed label for every pair."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.calls = 0

    def judge(self, question: str, a: str, b: str) -> tuple[str | None, float | None]:
        self.calls += 1
        return self.label, 0.9


@pytest.mark.parametrize(("label", "two_sided"), [("contradicts", True), ("neither", False)])
def test_a_judge_decides_whether_sides_are_shown(indexed, label: str, two_sided: bool) -> None:
    from rag.answerers.extractive import ExtractiveAnswerer

    judge = _Judge(label)
    answerer = ExtractiveAnswerer(indexed.embeddings, judge=judge)
    passages = indexed.retriever.search(SIDES_Q, k=answerer.passages_for(SIDES_Q, 6))
    draft = "".join(answerer.stream(SIDES_Q, passages))
    assert judge.calls >= 1
    assert draft.startswith(SIDES_LEAD) is two_sided


def test_names_line_is_checked_name_by_name(indexed) -> None:
    passages = indexed.retriever.search(LIST_Q, k=10)
    texts = {p.doc_id: indexed.store.get_document(p.doc_id).text for p in passages}
    n = next(i for i, p in enumerate(passages, start=1) if "Cartel de Los Soles" in p.chunk.text)
    draft = names_line([("Cartel de Los Soles", f" [{n}]"), ("Hezbollah", f" [{n}]")])
    result = indexed.pipeline.checker.verify(draft, passages, texts)
    (line,) = result.sentences
    assert line.items == (("Cartel de Los Soles", 1),)
    (c,) = result.citations
    assert "Cartel de Los Soles" in c.quote
    assert texts[c.doc_id][c.start : c.end] == c.quote
    assert any("Hezbollah" in note for note in result.notes)


class _Recording(ConflictDetector):
    """The real detector, remembering which passages it was given."""

    read: list[list[str]]

    def find_conflicts(
        self, question: str, passages: Sequence[Passage], texts: Mapping[str, str]
    ) -> list[Conflict]:
        self.read.append([p.chunk.chunk_id for p in passages])
        return super().find_conflicts(question, passages, texts)


def test_the_clue_engine_reads_the_usual_passages_not_the_wider_ones(indexed) -> None:
    """A list question quotes from k + WIDER passages; the clue-only detector still reads the
    k a plain question gets (the wider set made it three noisy cards out of one, before flags
    on one assessment axis became one card). (The trained judge reads further:
    ``tests/test_judge.py``.)"""
    from rag.pipeline import Pipeline

    p = indexed.pipeline
    detector = _Recording(indexed.embeddings)  # the clue engine: it flags more
    detector.read = []
    pipeline = Pipeline(p.store, p.retriever, p.answerer, p.checker, detector)
    answer = pipeline.ask(LIST_Q)
    usual = indexed.retriever.search(LIST_Q)
    assert len(answer.passages) > len(usual)  # the answer quotes from the wider set
    assert detector.read == [[q.chunk.chunk_id for q in usual]]
    texts = {q.doc_id: p.store.get_document(q.doc_id).text for q in answer.passages}
    expected = detector.find_conflicts(LIST_Q, usual, texts)
    assert [c.to_dict() for c in answer.conflicts] == [c.to_dict() for c in expected]


def _passages(texts: Sequence[str]) -> list[Passage]:
    from rag.types import Chunk, DocMeta

    return [
        Passage(Chunk(f"d{i}:0", f"d{i}", 0, 0, len(t), 1, t), DocMeta(title=f"Doc {i}"), 1.0)
        for i, t in enumerate(texts)
    ]


def test_refusal_is_read_on_the_passages_every_question_gets(embeddings) -> None:
    """A list question gathers passages past ``k``; more passages always hold something that
    looks relevant, so the refusal (fitted on ``k``) reads the ``k`` best-scored alone."""
    from rag.answerers.base import NO_ANSWER
    from rag.answerers.extractive import ExtractiveAnswerer

    off_topic = [
        "The city council approved a new budget for road repairs on Tuesday evening.",
        "Local farmers reported a good harvest of apples and pears this autumn season.",
    ]
    on_topic = "The Treasury designated the Sinaloa cartel and CJNG as terrorist organizations."
    passages = _passages([*off_topic, on_topic])
    question = "Which cartels have been designated as terrorist organizations?"
    assert read_question(question).kind == "list"
    k = len(off_topic)
    gathered = ExtractiveAnswerer(embeddings, base_passages=k)
    assert "".join(gathered.stream(question, passages)) == NO_ANSWER
    assert on_topic in "".join(gathered.stream(question, passages[::-1]))  # it leads: answered
    # first but scored below the others (a clause's match brought in by clause coverage): the
    # refusal is read on the passages the search scored highest, not on the first ones
    below = [replace(passages[-1], score=0.5), *passages[:-1]]
    assert "".join(gathered.stream(question, below)) == NO_ANSWER
    every = ExtractiveAnswerer(embeddings)  # without a base: any passage can carry the answer
    assert on_topic in "".join(every.stream(question, passages))


def _reports(docs: Sequence[tuple[str, str, str]]) -> list[Passage]:
    """Passages of written reports: (document, outlet, text), one passage each."""
    from rag.types import Chunk, DocMeta

    return [
        Passage(Chunk(f"{d}:0", d, 0, 0, len(t), 1, t), DocMeta(title=d, outlet=outlet), 1.0)
        for d, outlet, t in docs
    ]


BRIDGE_Q = "How much will the new bridge over the Avon river cost?"
COST = "The new bridge over the Avon river will cost 40 million pounds, the council said."
PROJECT = (
    "The council said the new bridge over the Avon river would be the city's most expensive "
    "project."
)


def test_a_further_quote_must_add_to_the_quotes_before_it(embeddings) -> None:
    """Past the first quote, another article of an outlet already quoted, or another sentence
    of a quoted document, must hold question words the earlier quotes lack; the same sentence
    from an outlet not quoted yet adds a source. The plain answer quotes it regardless."""
    from rag.answerers.extractive import ExtractiveAnswerer

    def answer(answerer: ExtractiveAnswerer, docs: Sequence[tuple[str, str, str]]) -> str:
        return "".join(answerer.stream(BRIDGE_Q, _reports(docs)))

    shaped, plain = ExtractiveAnswerer(embeddings), ExtractiveAnswerer(embeddings, shapes=False)
    same_outlet = [("a", "Daily News", COST), ("b", "Daily News", PROJECT)]
    assert COST in answer(shaped, same_outlet)
    assert PROJECT not in answer(shaped, same_outlet)
    assert PROJECT in answer(plain, same_outlet)  # relevant enough: the rule is what drops it
    assert PROJECT not in answer(shaped, [("a", "Daily News", f"{COST} {PROJECT}")])
    assert PROJECT in answer(shaped, [("a", "Daily News", COST), ("b", "City Herald", PROJECT)])


def test_a_who_question_keeps_a_quote_that_gives_a_name(embeddings) -> None:
    """A quote from an outlet already quoted that adds no question word is still kept when the
    question asks who and it names someone the earlier quotes do not: here it is the answer,
    and the quote that came first only echoes the question. Without the name it is left out
    (the plain answer quotes it either way)."""
    from rag.answerers.extractive import ExtractiveAnswerer

    question = "Who makes the Kindle e-reader?"
    echo = "The company that makes the Kindle e-reader was praised by analysts at Jefferies."
    named = "The Kindle e-reader is made by Amazon, the company said on Monday."
    unnamed = "The Kindle e-reader is made by the company, which said so on Monday."
    shaped, plain = ExtractiveAnswerer(embeddings), ExtractiveAnswerer(embeddings, shapes=False)
    for second, kept in ((named, True), (unnamed, False)):
        docs = _reports([("a", "Post", second), ("b", "Post", echo)])
        assert echo in "".join(shaped.stream(question, docs))
        assert (second in "".join(shaped.stream(question, docs))) is kept
        assert second in "".join(plain.stream(question, docs))


def test_a_name_is_cited_to_a_sentence_already_quoted(embeddings) -> None:
    """The names line cites a name to a quote the answer already shows when one spells it,
    not to a more relevant sentence that was left out (here: nearly the same as the first
    quote), which would add a source and a quote that add nothing else."""
    from rag.answerers.extractive import ExtractiveAnswerer

    question = "Which company makes the Kindle e-reader?"
    first = (
        "The company that makes the Kindle e-reader reported strong sales of the e-reader "
        "this quarter."
    )
    left_out = (
        "The company that makes the Kindle e-reader, Amazon, reported strong sales this quarter."
    )
    quoted = "The Kindle Scribe, a larger e-reader with a pen, is also made by Amazon."
    docs = _reports([("z", "Post", first), ("y", "Wire", left_out), ("x", "Herald", quoted)])
    answer = "".join(ExtractiveAnswerer(embeddings).stream(question, docs))
    names = dict(parse_names_line(answer.split("\n\n")[0]) or [])
    assert names.get("Amazon") == 3  # [3]: the quoted sentence
    assert quoted in answer
    assert left_out not in answer


def test_a_question_in_a_document_is_never_quoted_as_an_answer(indexed) -> None:
    """The fact check's headline ("Fact check: How do US authorities coordinate ...?") was
    quoted in the answer to "Who said the US campaign against the cartels has failed?": a
    sentence that asks states nothing."""
    answer = indexed.pipeline.ask("Who said the US campaign against the cartels has failed?")
    assert answer.citations
    assert not [c.quote for c in answer.citations if c.quote.rstrip("\"'”’)").endswith("?")]


def test_a_further_name_counts_only_when_it_may_answer() -> None:
    """A who-question's further quote is let in for a new name only when that name is one of
    the candidate answers (``Novelty.answering``): a quote naming a team's opponent or a
    reporter is not new for that."""
    from rag.answerers.novelty import novelty_of

    question = "Who founded the Avon Bridge Trust?"
    texts = [
        "The Avon Bridge Trust was founded by Mary Jones in 1990.",
        "The trust was praised by the columnist Tom Baker.",
        "The trust was backed early on by Peter Hale.",
    ]
    words = [frozenset(t) for t in tokenize(texts)]
    novelty, _ = novelty_of(question, True, texts, words, ["a", "b", "c"], ["Post"] * 3)
    assert novelty.adds(1)  # any name: a quote from an outlet already quoted comes in
    answering = novelty.answering(frozenset({"mary jones", "peter hale"}))
    assert answering.admit(0)
    assert not answering.adds(1)  # Tom Baker is not a candidate answer
    assert answering.adds(2)


def test_a_quote_from_a_passage_ranked_far_below_must_be_clearly_more_relevant(
    embeddings,
) -> None:
    """Sentences of passages the search ranked far below the best one are quoted only when
    clearly more relevant than the best passage's (``Pick.standing``): on MultiHop-RAG,
    quotes from the sixth passage on cited a gold document about half the time, those from
    the first two nine times in ten. With equal search scores both quotes stand."""
    from rag.answerers.extractive import ExtractiveAnswerer

    second = (
        "The contractor said the new bridge over the Avon river would cost 45 million pounds "
        "after delays."
    )
    docs = _reports([("a", "Daily News", COST), ("b", "City Herald", second)])
    shaped, plain = ExtractiveAnswerer(embeddings), ExtractiveAnswerer(embeddings, shapes=False)
    assert second in "".join(shaped.stream(BRIDGE_Q, docs))
    low = [docs[0], replace(docs[1], score=0.05)]
    assert COST in "".join(shaped.stream(BRIDGE_Q, low))
    assert second not in "".join(shaped.stream(BRIDGE_Q, low))
    assert second in "".join(plain.stream(BRIDGE_Q, low))  # the plain answer keeps its picks
