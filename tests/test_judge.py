"""The sentence judge decides disagreements; the clues explain. Real model, real Chroma."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.config import Settings
from rag.conflicts import ConflictDetector
from rag.conflicts.model_judge import AGREE_VETO, ModelJudge
from rag.conflicts.sentence_model import CONTRADICTS, SentenceJudge
from rag.pipeline import check_passages
from rag.support import SupportScorer
from rag.types import Conflict

from .helpers import write_doc

ACME = "Acme Corp agreed to buy Widget Inc for $2 billion in March."
GLOBEX = "Globex agreed to buy Widget Inc for $2 billion in March."


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> SentenceJudge:
    return SentenceJudge(cache_dir=tmp_path_factory.mktemp("judge-cache"))


@pytest.fixture(scope="module")
def judge(model: SentenceJudge) -> ModelJudge:
    return ModelJudge(model)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory, embeddings):
    from rag.services import build_services

    from .conftest import CORPUS

    root = tmp_path_factory.mktemp("judge-corpus")
    services = build_services(Settings(data_dir=root / "data", corpus_dir=CORPUS), embeddings)
    services.ingestor.ingest([CORPUS])
    return services


@pytest.fixture(scope="module")
def detector(embeddings, judge: ModelJudge) -> ConflictDetector:
    return ConflictDetector(embeddings, model=judge)


@pytest.mark.parametrize(
    ("premise", "hypothesis", "contradicts"),
    [
        (ACME, "Globex agreed to buy Widget Inc for $2 billion in March.", True),
        (ACME, "Acme Corp will acquire Widget Inc in a $2 billion deal announced in March.", False),
        (
            "The council approved the budget on Tuesday.",
            "The council did not approve the budget on Tuesday.",
            True,
        ),
        (
            "The Port of Easthaven handled 4.2 million containers in 2023.",
            "The Port of Easthaven handled 2.1 million containers in 2023.",
            True,
        ),
        (
            "The Port of Easthaven handled 4.2 million containers in 2023.",
            "The Port of Easthaven handled 4.2 million containers in 2023, a record.",
            False,
        ),
        (
            "The summit took place in Lisbon in May 2024.",
            "The summit took place in Lisbon in October 2021.",
            True,
        ),
        (
            "The summit took place in Lisbon in May 2024.",
            "The mayor opened a new library downtown.",
            False,
        ),
    ],
)
def test_judge_on_pairs_with_known_labels(
    judge, detector, premise, hypothesis, contradicts
) -> None:
    """The judge as the product decides (both readings, the fitted decision, the agreement
    veto, a side that only adds a detail never clashes); a contradiction must also be read by
    the classifier alone."""
    ((_, evidence),) = detector.score_pairs([hypothesis], [premise], [hypothesis])
    (verdict,) = judge.decide([(premise, hypothesis, evidence)])
    assert (verdict.label == "contradicts") is contradicts, verdict
    probs = judge.model.probabilities([(premise, hypothesis)])[0]
    assert probs.sum() == pytest.approx(1.0, abs=1e-4)
    if contradicts:
        assert probs[CONTRADICTS] >= judge.model.threshold, probs


def test_a_figure_clash_the_question_did_not_ask_about_is_decided_and_shown(
    judge, detector
) -> None:
    """The judge reads figures whatever the question asked ("who ..." gates the figure clue
    off), and the card's reason says which figures clash."""
    a = "The band released nine studio albums before it split up in 2004."
    b = "The band released twelve studio albums before it split up in 2004."
    ((_, evidence),) = detector.score_pairs(["Who was in the band?"], [a], [b])
    assert evidence.values["figures"] == 0.0  # the question-gated clue stays silent
    (verdict,) = judge.decide([(a, b, evidence)])
    assert verdict.label == "contradicts", verdict
    assert "figures differ: nine vs twelve" in verdict.note


def test_a_date_clash_overrules_the_classifiers_agreement(judge, detector) -> None:
    """The classifier reads a sentence and its reworded copy as agreeing even when a year
    changed; the pair's own dates clash, so its agreement does not veto the flag."""
    a = "The bridge, opened in 1932, spans the river."
    b = "The bridge spans the river and opened in 1934."
    ((_, evidence),) = detector.score_pairs([b], [a], [b])
    assert evidence.values["dates_clash"] == 1.0
    (row,) = judge.features([(a, b, evidence.values)])
    assert row["p_entails"] >= AGREE_VETO  # what used to veto it
    (verdict,) = judge.decide([(a, b, evidence)])
    assert verdict.label == "contradicts", verdict
    agreeing = "The bridge spans the river and opened in 1932."
    ((_, same_dates),) = detector.score_pairs([agreeing], [a], [agreeing])
    (same,) = judge.decide([(a, agreeing, same_dates)])
    assert same.label == "entails", same


def test_onnx_and_torch_backends_agree(model, tmp_path) -> None:
    torch_model = SentenceJudge(backend="torch")
    pairs = [(ACME, "Globex agreed to buy Widget Inc for $2 billion in March."), (ACME, ACME)]
    assert model.probabilities(pairs) == pytest.approx(torch_model.probabilities(pairs), abs=1e-3)


def _two_docs(tmp_path: Path, embeddings, a: str, b: str):
    from rag.services import build_services

    corpus = tmp_path / "corpus"
    write_doc(corpus / "a.txt", "Deal report A", a)
    write_doc(corpus / "b.txt", "Deal report B", b)
    services = build_services(Settings(data_dir=tmp_path / "data", corpus_dir=corpus), embeddings)
    services.ingestor.ingest([corpus])
    return services


def _find(services, detector: ConflictDetector, question: str) -> list[Conflict]:
    passages = check_passages(services.retriever, detector, question)  # what the check reads
    texts = {p.doc_id: services.store.get_document(p.doc_id).text for p in passages}
    conflicts = detector.find_conflicts(question, passages, texts)
    for c in conflicts:
        for s in c.sides:
            assert texts[s.doc_id][s.start : s.end] == s.quote
    return conflicts


def test_documents_naming_different_acquirers_are_flagged(tmp_path, embeddings, detector) -> None:
    services = _two_docs(
        tmp_path,
        embeddings,
        ACME + " The deal still needs approval from regulators.",
        "Globex agreed to buy Widget Inc for $2 billion in March. Analysts welcomed the move.",
    )
    conflicts = _find(services, detector, "Who agreed to buy Widget Inc?")
    assert len(conflicts) == 1, [c.to_dict() for c in conflicts]
    quotes = [s.quote for s in conflicts[0].sides]
    assert any("Acme" in q for q in quotes)
    assert any("Globex" in q for q in quotes)
    assert {s.meta.title for s in conflicts[0].sides} == {"Deal report A", "Deal report B"}
    assert any(r.startswith("sentence judge") for r in conflicts[0].reasons)


def test_agreeing_documents_are_not_flagged(tmp_path, embeddings, detector) -> None:
    services = _two_docs(
        tmp_path,
        embeddings,
        ACME + " The deal still needs approval from regulators.",
        "Acme Corp will acquire Widget Inc in a $2 billion deal announced in March.",
    )
    assert _find(services, detector, "Who agreed to buy Widget Inc?") == []


FLOP = (
    "Two years on, the congestion charge has failed to cut traffic in the city centre. Drivers' "
    "groups say the fee has become a tax on commuters."
)
WIN = (
    "The congestion charge has been a clear success, the transport authority said on Tuesday. "
    "Traffic entering the zone fell by a fifth in its first two years."
)


@pytest.mark.parametrize(
    "question",
    [
        "Has the congestion charge worked?",
        # a yes/no question about what it did hinges on whether it worked when both sides
        # answer it closely (the classifier reads "failed to cut traffic" vs "a clear success"
        # as neither)
        "Did the congestion charge cut traffic?",
    ],
)
def test_opposite_verdicts_on_another_subject_are_flagged(
    tmp_path, embeddings, detector, question
) -> None:
    """The verdict words are not the corpus's own: a city's congestion charge, two papers."""
    services = _two_docs(tmp_path, embeddings, FLOP, WIN)
    (card,) = _find(services, detector, question)
    assert {s.stance for s in card.sides} == {"success", "failure"}
    assert any("failed to cut traffic" in s.quote for s in card.sides)


def test_the_same_verdict_twice_is_not_flagged(tmp_path, embeddings, detector) -> None:
    services = _two_docs(
        tmp_path, embeddings, FLOP, "The congestion charge has not reduced traffic, data show."
    )
    assert _find(services, detector, "Did the congestion charge cut traffic?") == []


def test_a_sentence_that_only_shares_the_subject_is_not_a_side(tmp_path, embeddings, detector):
    """The classifier read "The warehouse fire killed 21 people" against "Firefighters fought
    the blaze for six hours" as a contradiction (P 0.40), and the card quoted the second as the
    other side of "How many people died?". The figures, 21 people and at least 12, fit."""
    services = _two_docs(
        tmp_path,
        embeddings,
        "At least 12 people died in the warehouse fire on Monday, officials said. Firefighters "
        "fought the blaze for six hours.",
        "The warehouse fire killed 21 people, according to the fire brigade. The cause is under "
        "investigation.",
    )
    assert _find(services, detector, "How many people died in the warehouse fire?") == []


def test_a_denial_is_flagged_and_the_point_quotes_the_question(tmp_path, embeddings, detector):
    """With no figure, date or name to name the point, the card quotes the question (it read
    "Sources disagree on Did the health minister resign (...)")."""
    services = _two_docs(
        tmp_path,
        embeddings,
        "The health minister resigned on Friday after the hospital scandal.",
        "The health minister has not resigned, her office said on Friday.",
    )
    (card,) = _find(services, detector, "Did the health minister resign?")
    assert card.point == "“Did the health minister resign?” (one side says it did not happen)"
    assert any("has not resigned" in s.quote for s in card.sides)


def test_one_act_at_two_levels_of_government_is_not_flagged(tmp_path, embeddings, detector) -> None:
    services = _two_docs(
        tmp_path,
        embeddings,
        "The Secretary of State designated eight cartels as foreign terrorist organizations.",
        "The White House has designated various cartels and gangs as foreign terrorist "
        "organizations.",
    )
    assert _find(services, detector, "Who designated the cartels as terrorist organizations?") == []


# --- the corpus: the four real disagreements, and questions where the sources agree ------------

BIDEN = "US Officials Highlight"  # corpus/002
FAILED = "How the US Failed"  # corpus/001
ALLIANCE = "War on Narco-Terror"  # corpus/000
TRUMP = "Trump secretly approves"  # corpus/004
FACTCHECK = "Fact check"  # corpus/003


UNILATERAL_WORDS = ("unilateral", "sovereignty", "violate", "approval")


def _card_with(conflicts: list[Conflict], *groups: tuple[str, ...]) -> Conflict:
    for c in conflicts:
        if all(any(s.meta.title.startswith(g) for s in c.sides for g in group) for group in groups):
            return c
    raise AssertionError([c.to_dict() for c in conflicts])


def _side(card: Conflict, *titles: str) -> str:
    return next(s.quote for s in card.sides if s.meta.title.startswith(titles))


def test_corpus_who_designated(indexed, detector) -> None:
    q = "Who designated the Latin American cartels as foreign terrorist organizations?"
    card = _card_with(_find(indexed, detector, q), (BIDEN,), (FAILED, TRUMP))
    assert "Biden administration" in _side(card, BIDEN)
    assert any(w in _side(card, FAILED, TRUMP) for w in ("Trump", "White House", "2025"))


def test_corpus_whether_the_campaign_worked(indexed, detector) -> None:
    q = "Has the US campaign against the cartels worked?"
    card = _card_with(_find(indexed, detector, q), (FAILED,), (ALLIANCE, TRUMP, FACTCHECK))
    assert card.kind == "assessment"
    assert any(w in _side(card, FAILED) for w in ("failed", "lost", "unwinnable"))
    assert any("result" in s.quote for s in card.sides if not s.meta.title.startswith(FAILED))


def test_corpus_sovereignty(indexed, detector) -> None:
    q = "Will US military action against the cartels respect Mexican sovereignty?"
    card = _card_with(_find(indexed, detector, q), (TRUMP,), (FACTCHECK, BIDEN, FAILED))
    assert "respect Mexican sovereignty" in _side(card, TRUMP)
    other = [s.quote for s in card.sides if not s.meta.title.startswith(TRUMP)]
    assert any(w in q for q in other for w in ("unilateral", "sovereignty", "violate"))


def test_corpus_consensual_or_unilateral(indexed, detector) -> None:
    q = (
        "Is the US cooperation with Latin American governments against the cartels consensual "
        "or unilateral?"
    )
    card = _card_with(_find(indexed, detector, q), (FACTCHECK,), (ALLIANCE, TRUMP))
    assert card.kind == "assessment"
    # read as the product reads it (12 passages and the side searches), the fact check's side
    # is "... would be a grave mistake and violate international norms" (what the chat has
    # shown since session 10; on the answer's 6 passages alone it was "... unilateral ...")
    check = next(s for s in card.sides if s.meta.title.startswith(FACTCHECK))
    assert check.stance == "unilateral"
    assert any(w in check.quote for w in UNILATERAL_WORDS)
    cooperative = [s for s in card.sides if s.stance == "cooperative"]
    assert cooperative
    assert all(s.meta.title.startswith((ALLIANCE, TRUMP)) for s in cooperative)
    assert any(w in cooperative[0].quote for w in ("alliance", "cooperation", "collaboration"))


@pytest.mark.parametrize(
    "question",
    [
        "Which cartels and gangs have been designated as foreign terrorist organizations?",
        "How are investigators going after the cartels' money?",
        "What would a terrorist designation mean for asylum seekers?",
        "How many fugitives were arrested?",
        "How many cartel members were extradited?",
    ],
)
def test_corpus_questions_where_sources_agree(indexed, detector, question) -> None:
    assert _find(indexed, detector, question) == []


# --- the same, asked through the pipeline as a reporter words it -------------------------------


@pytest.mark.parametrize(
    ("question", "one", "other", "words"),
    [
        # the other side ranks past the answer's passages: the check reads further
        ("Who labelled the cartels terrorists?", (BIDEN,), (TRUMP, FAILED), ("Biden",)),
        # ... and past the 6 sentences of its document closest to the question: a sentence
        # that names who acted is kept for a who-question (the README's first question)
        (
            "Who designated the cartels as foreign terrorist organizations?",
            (BIDEN,),
            (TRUMP,),
            ("Biden",),
        ),
        # "which administration" asks who acted, as "who" does
        (
            "Which administration reclassified the cartels as terrorist organizations?",
            (BIDEN,),
            (TRUMP, FAILED),
            ("Biden",),
        ),
        (
            "Has the US campaign against narco-terrorism worked?",
            (FAILED, BIDEN),
            (FACTCHECK, ALLIANCE, TRUMP),
            ("failed", "lost", "unwinnable"),
        ),
        # the success side is past the 12 passages the question's words retrieve: a search
        # for each side of the asked assessment finds it
        (
            "Has the war on narco-terror been effective?",
            (FAILED, BIDEN),
            (FACTCHECK, ALLIANCE, TRUMP),
            ("failed", "lost", "unwinnable", "despite"),
        ),
        # a who-question inside a yes/no one
        (
            "Do the articles agree on who designated the cartels?",
            (BIDEN,),
            (TRUMP,),
            ("Biden",),
        ),
        # "Should cartels be treated as terrorists?" asks the terrorists-or-criminals question
        (
            "Should cartels be treated as terrorists?",
            (FAILED,),
            (TRUMP, FACTCHECK),
            ("misapplies",),
        ),
        # "acting alone" asks the cooperative-or-unilateral question in other words
        (
            "Is the US acting alone against the cartels?",
            (TRUMP, FAILED, BIDEN),
            (ALLIANCE, FACTCHECK),
            ("secretly", "unilateral"),
        ),
        # session 11: shapes of a question the phrasing lists did not know (each missed on the
        # code before; from sets of reporters' questions written before measuring)
        (
            "Was it Trump or Biden who labeled the cartels terrorist organizations?",
            (BIDEN,),
            (TRUMP,),
            ("Biden",),
        ),
        ("Under which president were the cartels reclassified?", (BIDEN,), (TRUMP,), ("Biden",)),
        # the success side is at cosine 0.29 to the question: a pole sentence counts from 0.20
        (
            "Is the US winning the war on narco-terrorism?",
            (FACTCHECK,),
            (FAILED, BIDEN),
            ("concrete results",),
        ),
        # the success search carried the question's "failure" and found failures only
        (
            "Has the US policy against the cartels been a failure?",
            (FACTCHECK, ALLIANCE, TRUMP),
            (FAILED, BIDEN),
            ("results", "confident", "success"),
        ),
        (
            "Will US forces act in Mexico without its permission?",
            (TRUMP, ALLIANCE),
            (FACTCHECK, BIDEN, FAILED),
            ("sovereignty", "alliance", "cooperation"),
        ),
        (
            "Are drug cartels terrorist organizations?",
            (FAILED,),
            (TRUMP, FACTCHECK),
            ("misapplies",),
        ),
    ],
)
def test_the_pipeline_finds_the_other_side_as_a_reporter_asks(
    indexed, question, one, other, words
) -> None:
    answer = indexed.pipeline.ask(question)
    card = _card_with(answer.conflicts, one, other)
    assert any(w in _side(card, *one) for w in words)
    for c in answer.citations:  # a side from past the answer's passages opens in its passage
        assert c.passage is not None
        assert c.passage.chunk.start <= c.start <= c.end <= c.passage.chunk.end


def test_a_side_search_adds_passages_not_read_yet(indexed) -> None:
    """Each side search adds up to ``PROBE_PASSAGES`` passages the check has not read. It
    took its search's top 6 and dropped those already read, so a side ranked 8th or 9th by
    its search was never read: on int8 vectors "This cooperative framework has yielded
    concrete results" (9th), and the question below had no card."""
    from rag.pipeline import PROBE_PASSAGES, with_probes

    question = "Has the US campaign against narco-terrorism worked?"
    passages = indexed.retriever.search(question, k=12)
    probes = indexed.pipeline.detector.probes(question)
    assert len(probes) == 2  # success, failure
    read = with_probes(indexed.retriever, passages, probes)
    ids = [p.chunk.chunk_id for p in read]
    assert ids[:12] == [p.chunk.chunk_id for p in passages]
    assert len(set(ids)) == len(ids) == 12 + 2 * PROBE_PASSAGES
    card = _card_with(indexed.pipeline.ask(question).conflicts, (FAILED,), (FACTCHECK,))
    assert "yielded concrete results" in _side(card, FACTCHECK)


def test_the_first_card_is_the_pair_most_on_the_questions_point(indexed) -> None:
    """Every flag of the asked-axis rule scores the same; the closest pair opens the cards
    (it was the candidates' order: "cooperation of North American countries is crucial" came
    first, Sheinbaum's "will respect Mexican sovereignty" second)."""
    answer = indexed.pipeline.ask("Will US military action respect Mexican sovereignty?")
    first = answer.conflicts[0]
    assert any("respect Mexican sovereignty" in s.quote for s in first.sides)
    assert any(s.stance == "unilateral" for s in first.sides)


def test_an_assessment_is_one_card_with_both_poles(indexed) -> None:
    """Flags on one assessment axis are one point, so one card (it was three cards of
    "cooperative vs unilateral" for this question, the second and third repeating the
    first's sources with weaker quotes)."""
    answer = indexed.pipeline.ask("Is US action against the cartels unilateral?")
    assessments = [c for c in answer.conflicts if c.kind == "assessment"]
    assert len(assessments) == 1
    assert {s.stance for s in assessments[0].sides} == {"cooperative", "unilateral"}


def test_an_assessment_card_names_the_pole_each_side_takes(indexed) -> None:
    """A reader sees who says "failed" and who says "results", sides grouped by pole, in the
    card and in the answer's sentence."""
    answer = indexed.pipeline.ask("Has the US campaign against narco-terrorism worked?")
    card = _card_with(answer.conflicts, (FAILED, BIDEN), (FACTCHECK, ALLIANCE, TRUMP))
    stances = [s.stance for s in card.sides]
    assert set(stances) == {"failure", "success"}
    assert stances == sorted(stances, key=stances.index)  # each pole's sides together
    failed = next(s for s in card.sides if s.meta.title.startswith(FAILED))
    assert failed.stance == "failure"
    assert "(failure) says" in answer.text
    assert "(success) says" in answer.text


@pytest.mark.parametrize(
    "question",
    [
        "Which cartels and gangs have been designated as foreign terrorist organizations?",
        "How are investigators going after the cartels' money?",
        "How many cartel members were extradited?",
        "What sanctions does a terrorist designation unlock?",
        "Did Trump secretly approve military action against cartels?",
        # asks who holds a view, or who is affected: two sources naming different designators
        # do not answer it
        "Who criticised treating cartels as terrorists?",
        "Who benefits from designating cartels as terrorists?",
        # a who-question about another act; a why-question presumes a verdict, asks reasons
        "Which US departments will coordinate the military actions?",
        "Why did Plan Colombia fail in the long run?",
    ],
)
def test_the_pipeline_reading_further_flags_nothing_where_sources_agree(indexed, question) -> None:
    assert indexed.pipeline.ask(question).conflicts == []


# --- the same judge checks citations -----------------------------------------------------------

PASSAGE = (
    "The council approved the budget on Tuesday after a long debate. Mayor Ana Ruiz said the "
    "city would hire 40 new teachers."
)


@pytest.mark.parametrize(
    "claim",
    [
        "The council did not approve the budget on Tuesday after a long debate.",
        "Mayor Ben Ortiz said the city would hire 40 new teachers.",
    ],
)
def test_a_contradicted_citation_is_unsupported(embeddings, judge, claim) -> None:
    plain = SupportScorer(embeddings)
    checked = SupportScorer(embeddings, contradiction=judge)
    end = len(PASSAGE)
    assert plain.supports(plain.best_span(claim, PASSAGE, 0, end).score)  # shared words fool it
    assert not checked.supports(checked.best_span(claim, PASSAGE, 0, end).score)


def test_a_supported_citation_stays_supported(embeddings, judge) -> None:
    checked = SupportScorer(embeddings, contradiction=judge)
    claim = "The council approved the budget after a long debate."
    assert checked.supports(checked.best_span(claim, PASSAGE, 0, len(PASSAGE)).score)


# --- the LLM judge, end to end through a local server that speaks the OpenAI protocol ---------


@pytest.mark.parametrize(("label", "flagged"), [("agreement", False), ("contradiction", True)])
def test_llm_judge_rereads_the_model_verdict_end_to_end(
    tmp_path, embeddings, fake_llm, label, flagged
) -> None:
    from rag.services import build_services

    corpus = tmp_path / "corpus"
    write_doc(corpus / "a.txt", "Deal report A", ACME)
    write_doc(corpus / "b.txt", "Deal report B", GLOBEX)

    def reply(body: dict) -> str:
        if "statement_a" in json.dumps(body):
            return f"label: {label}"
        return "Acme Corp agreed to buy Widget Inc for $2 billion in March [1]."

    fake_llm.enqueue(reply)
    settings = Settings(
        data_dir=tmp_path / "data",
        corpus_dir=corpus,
        answerer="openai",
        llm_base_url=fake_llm.base_url,
        llm_model=fake_llm.model,
        llm_api_key="test",
    )
    services = build_services(settings, embeddings)
    services.ingestor.ingest([corpus])
    answer = services.pipeline.ask("Who agreed to buy Widget Inc?")
    judged = [r for r in fake_llm.chat_requests if "statement_a" in json.dumps(r)]
    assert judged, "the LLM judge was never asked"
    assert bool(answer.conflicts) is flagged, [c.to_dict() for c in answer.conflicts]
    if flagged:
        assert any(r.startswith("LLM judge") for r in answer.conflicts[0].reasons)
