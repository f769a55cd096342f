"""Faults, each as a user meets it: a killed ingest, a Chroma server that goes away, hostile files.

Everything is real: `rag` and `app.py` run as processes, Chroma is embedded or a real
`chroma run`, the browser is Chromium. The claim under test is always the same: nothing is lost,
nothing half-done is shown, and the user gets one clear line instead of a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from rag.config import Settings
from rag.ingest import doc_id_for

from .browser import ask, chromium, free_port, open_page
from .conftest import CORPUS, ROOT
from .helpers import RAG, assert_consistent, run_rag, start_chroma

APP_PORTS = range(7940, 7960)
CHROMA_PORTS = range(8100, 8120)
MB = 1024 * 1024


def _store(settings: Settings, embeddings: Any) -> Any:
    """Services on the store as it is on disk now.

    Chroma keeps one embedded client per path per process, with its vector index in memory;
    after a `rag` process wrote to the path, that cached client is stale, so drop it first.
    """
    from chromadb.api.client import SharedSystemClient

    from rag.services import build_services

    SharedSystemClient.clear_system_cache()
    return build_services(settings, embeddings)


# -- SIGKILL in the middle of an ingest -----------------------------------------------------------
def _wiki_documents(folder: Path, n_docs: int = 40, sentences: int = 8) -> list[Path]:
    """``n_docs`` notes of ``sentences`` sentences each, from the repo's own corpus (so a
    fresh clone anywhere has them), each sentence marked with its note so no two chunks are
    alike (nothing an ingest could reuse from a cache)."""
    from rag.reading import read_file
    from rag.sentences import split_sentences

    pool = [
        s
        for path in sorted(CORPUS.glob("*.txt"))
        for s in split_sentences(read_file(path).text)
        if len(s.split()) >= 8
    ]
    folder.mkdir(parents=True)
    paths = []
    for i in range(n_docs):
        picked = [pool[(i * sentences + j) % len(pool)] for j in range(sentences)]
        body = "\n\n".join(f"Note {i}, point {j}: {s}" for j, s in enumerate(picked))
        path = folder / f"wiki_{i:02d}.md"
        path.write_text(f'---\ntitle: "Research notes {i}"\n---\n{body}\n', encoding="utf-8")
        paths.append(path)
    return paths


def test_sigkill_mid_ingest_then_rerun_completes(tmp_path: Path, embeddings) -> None:
    folder = tmp_path / "wiki"
    paths = _wiki_documents(folder)
    data = tmp_path / "data"
    env = {**os.environ, "RAG_DATA_DIR": str(data), "RAG_EMBEDDING_BATCH_SIZE": "8"}
    proc = subprocess.Popen(
        [RAG, "ingest", str(folder), "--json", "--progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    killed_at = None
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith("embedded "):
                done, total = map(int, line.split()[1].split("/"))
                if done >= 24 and done < total - 24:  # a few batches in, many to go
                    proc.send_signal(signal.SIGKILL)
                    killed_at = (done, total)
                    break
    finally:
        proc.kill()
        proc.wait(timeout=60)
    assert killed_at is not None, "the ingest finished before it could be killed"
    assert proc.returncode == -signal.SIGKILL

    settings = Settings(data_dir=data, corpus_dir=folder)
    crashed = _store(settings, embeddings).store
    written = crashed.chunk_owners()
    recorded = crashed.doc_records()
    assert written, "no chunk was written before the kill"
    assert len(recorded) < len(paths), "every document was complete before the kill"
    unfinished = {doc for doc, _ in written.values()} - set(recorded)
    in_flight = sorted(unfinished) or sorted(set(map(doc_id_for, paths)) - set(recorded))

    rerun = run_rag(["ingest", str(folder), "--json"], data)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert report["failed"] == []
    assert report["added"] + report["unchanged"] == len(paths)
    assert report["added"] == len(paths) - len(recorded)

    services = _store(settings, embeddings)
    store = services.store
    assert_consistent(store)
    records = store.doc_records()
    assert set(records) == {doc_id_for(p) for p in paths}
    ids = list(store.chunk_owners())
    assert len(ids) == len(set(ids)) == store.chunks.count()

    reference = _store(Settings(data_dir=tmp_path / "clean", corpus_dir=folder), embeddings)
    reference.ingestor.ingest([folder])
    assert sorted(ids) == sorted(reference.store.chunk_owners())
    assert {d: (r.file_sha, r.n_chunks) for d, r in records.items()} == {
        d: (r.file_sha, r.n_chunks) for d, r in reference.store.doc_records().items()
    }

    # BM25 agrees with the store, and finds the document that was being written at the kill.
    lexical = services.retriever.lexical(records)
    assert sorted(lexical.chunk_ids) == sorted(ids)
    doc = store.get_document(in_flight[0])
    assert doc is not None
    sentence = doc.text.split("\n\n")[-1]
    hits = services.retriever.search(sentence, k=3, mode="bm25")
    assert hits[0].doc_id == in_flight[0], (sentence, [h.meta.title for h in hits])


# -- hostile and broken files, end to end through `rag ingest` ------------------------------------
def _zip_bomb(path: Path, gigabytes: int = 2) -> None:
    """A .docx whose document.xml inflates to ``gigabytes`` GB of one repeated tag (~2 MB)."""
    block = b"<w:p/>" * (MB // 6 * 4)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(gigabytes * 1024 // 4):
                member.write(block)


def test_hostile_files_are_refused_and_nothing_else_changes(tmp_path: Path, embeddings) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for f in CORPUS.glob("*.txt"):
        (corpus / f.name).write_bytes(f.read_bytes())
    data = tmp_path / "data"
    first = run_rag(["ingest", str(corpus), "--json"], data)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["added"] == 5
    settings = Settings(data_dir=data, corpus_dir=corpus)
    before = _store(settings, embeddings).store
    records_before = {d: r.file_sha for d, r in before.doc_records().items()}
    chunks_before = set(before.chunk_owners())
    del before

    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.txt").write_text("Private notes\n\nThe vault code is 4471 and stays here.\n")
    (corpus / "link.txt").symlink_to(outside / "secret.txt")
    (corpus / "corrupt.pdf").write_bytes(
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n\x00\xff garbage"
    )
    with (corpus / "huge.txt").open("w") as fh:
        line = "The council met again on Tuesday to discuss the budget.\n"
        fh.write(line * (100 * MB // len(line) + 1))
    _zip_bomb(corpus / "bomb.docx")
    (corpus / "notes\\..\\..\\escape.txt").write_text(
        "Escaped\n\nThis file names a parent folder.\n"
    )
    (corpus / "forged\nname.txt").write_text("Forged\n\nThis name carries a line break.\n")
    (corpus / "new_note.md").write_text(
        "# Desk note\n\nThe harbour authority confirmed the new toll on Friday.\n"
    )
    assert (corpus / "huge.txt").stat().st_size >= 100 * MB

    run = run_rag(["ingest", str(corpus), "--json"], data)
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert (report["added"], report["unchanged"], report["updated"], report["removed"]) == (
        1,
        5,
        0,
        0,
    )
    failed = {Path(f["path"]).name: f["reason"] for f in report["failed"]}
    assert set(failed) == {
        "link.txt",
        "corrupt.pdf",
        "huge.txt",
        "bomb.docx",
        "notes\\..\\..\\escape.txt",
        "forged\nname.txt",
    }
    assert "outside the folder" in failed["link.txt"]
    assert "over the 50 MB limit" in failed["huge.txt"]
    assert "expands" in failed["bomb.docx"]
    assert "refused" in failed["bomb.docx"]
    assert "path separator" in failed["notes\\..\\..\\escape.txt"]
    assert "control character" in failed["forged\nname.txt"]
    assert failed["corrupt.pdf"].strip()

    services = _store(settings, embeddings)
    store = services.store
    assert_consistent(store)
    records = store.doc_records()
    assert {d: records[d].file_sha for d in records_before} == records_before
    assert set(records) - set(records_before) == {doc_id_for(corpus / "new_note.md")}
    assert chunks_before < set(store.chunk_owners())
    assert not any("4471" in c.text for c in store.live_chunks(records))
    hits = services.retriever.search("When was the harbour toll confirmed?", k=2)
    assert hits[0].doc_id == doc_id_for(corpus / "new_note.md")


# -- the Chroma server goes away mid-session and comes back --------------------------------------
@contextmanager
def _app(env: dict[str, str]) -> Iterator[str]:
    """``python app.py`` as a user starts it; yields its URL once it answers."""
    port = free_port(APP_PORTS)
    log = open(Path(env["RAG_DATA_DIR"]).parent / "app.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "app.py")],
        cwd=ROOT,
        env={**env, "GRADIO_SERVER_PORT": str(port)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 240
        while True:
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the app did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


QUESTION = "How many Marines and sailors were deployed to waters around Latin America?"


@pytest.mark.server
@pytest.mark.browser
def test_chroma_server_stopped_mid_session_then_back(tmp_path: Path) -> None:
    port = free_port(CHROMA_PORTS)
    server_path = tmp_path / "server"
    data = tmp_path / "data"
    env = {
        **os.environ,
        "RAG_DATA_DIR": str(data),
        "RAG_CHROMA_HOST": "127.0.0.1",
        "RAG_CHROMA_PORT": str(port),
    }
    chroma = start_chroma(server_path, port)
    try:
        ingest = subprocess.run(
            [RAG, "ingest", str(CORPUS), "--json"], capture_output=True, text=True, env=env
        )
        assert ingest.returncode == 0, ingest.stderr
        ok = subprocess.run(
            [RAG, "ask", QUESTION, "--json"], capture_output=True, text=True, env=env
        )
        assert ok.returncode == 0, ok.stderr
        assert "4,000 Marines" in json.dumps(json.loads(ok.stdout)["citations"])

        with _app(env) as url, chromium() as browser:
            page = open_page(browser, url)
            assert "4,000 Marines" in ask(page, QUESTION).inner_text()

            chroma.terminate()
            chroma.wait(timeout=30)
            where = f"Chroma server at http://127.0.0.1:{port}"
            for command in (["ask", QUESTION], ["search", QUESTION]):
                down = subprocess.run([RAG, *command], capture_output=True, text=True, env=env)
                assert down.returncode == 1
                lines = down.stderr.strip().splitlines()
                assert len(lines) == 1, down.stderr
                assert lines[0].startswith("error: ")
                assert where in lines[0]

            message = ask(page, QUESTION)
            text = message.inner_text()
            assert "message" in (message.get_attribute("class") or "")
            assert where in text
            assert "not answering" in text
            assert "Traceback" not in page.content()

            chroma = start_chroma(server_path, port)
            back = ask(page, QUESTION)
            assert "4,000 Marines" in back.inner_text()
            assert back.locator("a.cite").count() >= 1
        again = subprocess.run([RAG, "search", QUESTION], capture_output=True, text=True, env=env)
        assert again.returncode == 0, again.stderr
    finally:
        chroma.terminate()
        chroma.wait(timeout=30)


# -- concurrency: questions while an ingest runs, BM25 saves racing --------------------------------
def test_questions_during_an_ingest_never_see_half_a_document(
    services, corpus_dir: Path, tmp_path: Path
) -> None:
    """The app's situation: searches on threads while an upload is ingested in the process."""
    import threading

    services.ingestor.ingest([corpus_dir])
    wiki = _wiki_documents(tmp_path / "wiki", n_docs=12)
    questions = [p.read_text().split("\n\n")[1] for p in wiki] + ["How many Marines were deployed?"]
    services.settings.embedding_batch_size = 4  # many small writes: many in-between states
    problems: list[str] = []
    seen_wiki: set[str] = set()
    wiki_ids = {doc_id_for(p) for p in wiki}
    done = threading.Event()

    def ask_in_a_loop(offset: int) -> None:
        i = offset
        while not done.is_set():
            try:
                for p in services.retriever.search(questions[i % len(questions)], k=4):
                    doc = services.store.get_document(p.doc_id)
                    record = services.store.doc_records().get(p.doc_id)
                    if doc is None or record is None:
                        problems.append(f"{p.doc_id} has no complete document")
                    elif doc.text[p.chunk.start : p.chunk.end] != p.chunk.text:
                        problems.append(f"{p.doc_id} offsets do not match its text")
                    if p.doc_id in wiki_ids:
                        seen_wiki.add(p.doc_id)
            except Exception as exc:  # any error under concurrency is a failure
                problems.append(f"{type(exc).__name__}: {exc}")
            i += 1

    askers = [threading.Thread(target=ask_in_a_loop, args=(n,)) for n in range(3)]
    for t in askers:
        t.start()
    try:
        report = services.ingestor.ingest([tmp_path / "wiki"])
    finally:
        done.set()
        for t in askers:
            t.join(timeout=120)
    assert report.added == len(wiki)
    assert problems == []
    for question in questions[:3]:
        assert services.retriever.search(question, k=1)[0].doc_id in wiki_ids
    assert_consistent(services.store)


def test_bm25_saves_racing_in_threads_leave_a_whole_index(tmp_path: Path) -> None:
    """Two writers (the app and `rag ingest`) saving while readers load: no error, and every
    index a reader gets is whole (its ids and its BM25 matrix agree)."""
    import threading

    from rag.lexical import Bm25Index
    from rag.types import Chunk

    folder = tmp_path / "bm25" / "newsroom"

    def index(n: int) -> Bm25Index:
        chunks = [
            Chunk(f"d{n}:{i}", f"d{n}", i, 0, 10, 1, f"version {n} passage {i} about harbour tolls")
            for i in range(50 + n)
        ]
        return Bm25Index.build(chunks, {f"d{n}": f"Doc {n}"}, f"fp{n}")

    indexes = [index(n) for n in range(4)]
    problems: list[str] = []
    stop = threading.Event()

    def write(ix: Bm25Index) -> None:
        try:
            for _ in range(15):
                ix.save(folder)
        except Exception as exc:
            problems.append(f"save: {type(exc).__name__}: {exc}")

    def read() -> None:
        while not stop.is_set():
            try:
                got = Bm25Index.load(folder)
            except Exception as exc:
                problems.append(f"load: {type(exc).__name__}: {exc}")
                continue
            if got is not None and got.retriever is not None:
                n = int(got.fingerprint[2:])
                if len(got.chunk_ids) != 50 + n or got.retriever.scores["num_docs"] != 50 + n:
                    problems.append(f"a mixed index: {got.fingerprint}")

    readers = [threading.Thread(target=read) for _ in range(2)]
    writers = [threading.Thread(target=write, args=(ix,)) for ix in indexes]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in readers:
        t.join()
    assert problems == []
    final = Bm25Index.load(folder)
    assert final is not None
    assert final.fingerprint in {ix.fingerprint for ix in indexes}
    assert [p.name for p in folder.parent.iterdir()] == ["newsroom"]  # no temp folders left
