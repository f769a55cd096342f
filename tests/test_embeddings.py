"""The two embedding backends: same model, close vectors, one export, never mixed in an index."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.embeddings import LocalEmbeddings
from rag.ingest import embedding_text
from rag.onnx_export import ONNX_NAME, cached_model_dir
from rag.retrieval import IndexMismatch
from rag.sentences import split_sentences

from .conftest import CORPUS, ROOT


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def onnx_embeddings(models_dir: Path) -> LocalEmbeddings:
    """The int8 ONNX model (RAG_EMBEDDING_PRECISION=int8), exported once for the session into
    its own cache folder: the backend whose vectors differ from torch's."""
    return LocalEmbeddings(backend="onnx", cache_dir=models_dir, precision="int8")


@pytest.fixture(scope="session")
def torch_embeddings(embeddings: LocalEmbeddings, models_dir: Path) -> LocalEmbeddings:
    if embeddings.backend == "torch":
        return embeddings
    return LocalEmbeddings(backend="torch")


def corpus_sentences() -> list[str]:
    """Every sentence of the bundled corpus of more than a few words."""
    out: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        text = path.read_text(encoding="utf-8").split("---", 2)[-1]
        out += [s for s in split_sentences(text) if len(s.split()) >= 4]
    return out


def test_onnx_vectors_match_torch_on_corpus_sentences(onnx_embeddings, torch_embeddings):
    sentences = corpus_sentences()
    assert len(sentences) > 100
    ours = np.asarray(onnx_embeddings.embed_documents(sentences))
    ref = np.asarray(torch_embeddings.embed_documents(sentences))
    assert ours.shape == ref.shape == (len(sentences), 384)
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)
    cosine = (ours * ref).sum(axis=1)
    assert cosine.min() > 0.98, sentences[int(cosine.argmin())]
    # and a query still finds its own sentence first among the others
    query = np.asarray(onnx_embeddings.embed_query(sentences[7]))
    assert int(np.argmax(ref @ query)) == 7


def test_the_default_is_int8_onnx_and_fp32_onnx_gives_the_torch_vectors(
    embeddings, torch_embeddings, tmp_path
):
    """int8 ONNX is the default (about 2x faster ingest on a CPU with VNNI, see the README's
    *Startup*); fp32 ONNX, the other choice, is the torch model run by ONNX Runtime."""
    fields = Settings.model_fields
    assert (fields["embedding_backend"].default, fields["embedding_precision"].default) == (
        "onnx",
        "int8",
    )
    fp32 = LocalEmbeddings(backend="onnx", cache_dir=tmp_path, precision="fp32")
    assert fp32.flavour == "onnx-fp32"
    sentences = corpus_sentences()
    ours = np.asarray(fp32.embed_documents(sentences))
    ref = np.asarray(torch_embeddings.embed_documents(sentences))
    assert (ours * ref).sum(axis=1).min() > 0.99999
    assert fp32.count_tokens(sentences) == torch_embeddings.count_tokens(sentences)


def test_an_int8_vector_does_not_depend_on_what_it_was_embedded_with(onnx_embeddings):
    """int8 quantises activations with one scale per model run: in a batch, a sentence's
    vector moved with its batch-mates (cosine 0.98 to itself alone), so a sentence stored at
    ingest was not the one a question's check embeds. One text per run: the same vector."""
    sentences = corpus_sentences()[:40]
    alone = np.stack([onnx_embeddings.encode([s])[0] for s in sentences])
    together = onnx_embeddings.encode(sentences)
    np.testing.assert_allclose(together, alone, atol=1e-6)


def test_token_counting_is_the_same_for_both_backends(onnx_embeddings, torch_embeddings):
    text = CORPUS.joinpath(sorted(os.listdir(CORPUS))[0]).read_text(encoding="utf-8")
    assert onnx_embeddings.max_tokens == torch_embeddings.max_tokens == 254
    assert onnx_embeddings.dimensions == torch_embeddings.dimensions == 384
    sentences = split_sentences(text)
    assert onnx_embeddings.count_tokens(sentences) == torch_embeddings.count_tokens(sentences)
    assert onnx_embeddings.token_char_ends(text) == torch_embeddings.token_char_ends(text)


def test_export_is_cached_and_reused(onnx_embeddings, models_dir: Path):
    folder = cached_model_dir(onnx_embeddings.model_path, models_dir, "int8")
    assert onnx_embeddings.onnx_file == folder / ONNX_NAME
    stamp = onnx_embeddings.onnx_file.stat().st_mtime_ns
    again = LocalEmbeddings(backend="onnx", cache_dir=models_dir, precision="int8")
    assert again.onnx_file == onnx_embeddings.onnx_file
    assert again.onnx_file.stat().st_mtime_ns == stamp
    # int8: far smaller than the fp32 weights; no temp folder or intermediate file is left
    weights = (onnx_embeddings.model_path / "model.safetensors").stat().st_size
    assert again.onnx_file.stat().st_size < weights / 2
    assert sorted(p.name for p in folder.iterdir()) == ["export.json", ONNX_NAME]
    assert [p.name for p in models_dir.iterdir()] == [folder.name]


EXPORT = """
import sys
from pathlib import Path
from rag.embeddings import LocalEmbeddings
e = LocalEmbeddings(backend="onnx", cache_dir=Path(sys.argv[1]), precision="int8")
print(e.onnx_file, round(sum(e.embed_query("Who designated the cartels?")), 6))
"""


def test_two_processes_exporting_at_once_leave_one_good_model(tmp_path: Path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    cache = tmp_path / "models"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", EXPORT, str(cache)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=540) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err[-2000:]
    lines = [out.strip().splitlines()[-1] for out, _ in outputs]
    assert lines[0] == lines[1]  # same file, same vector
    folders = list(cache.iterdir())
    assert len(folders) == 1, folders  # no temp folder left behind
    assert sorted(p.name for p in folders[0].iterdir()) == ["export.json", ONNX_NAME]


def test_switching_backend_reembeds_without_duplicates(
    tmp_path: Path, onnx_embeddings, torch_embeddings
):
    from rag.services import build_services

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in sorted(CORPUS.glob("*.txt"))[:2]:
        shutil.copy(path, corpus / path.name)
    data = tmp_path / "data"
    before = build_services(
        Settings(data_dir=data, corpus_dir=corpus, embedding_backend="torch"), torch_embeddings
    )
    first = before.ingestor.ingest([corpus])
    assert first.added == 2
    question = "Who designated the cartels as foreign terrorist organizations?"
    torch_hits = before.retriever.search(question)
    probe = sorted(before.store.chunk_owners())[:5]
    torch_vectors = before.store.chunk_embeddings(probe)

    after = build_services(
        Settings(data_dir=data, corpus_dir=corpus, embedding_backend="onnx"), onnx_embeddings
    )
    with pytest.raises(IndexMismatch, match="embedded as torch-fp32.*onnx-int8"):
        after.retriever.search(question)
    second = after.ingestor.ingest([corpus])
    assert (second.added, second.updated, second.unchanged) == (0, 2, 0)
    assert second.chunks == first.chunks

    records = after.store.doc_records()
    assert all(r.chunker.endswith("/onnx-int8") for r in records.values())
    owners = after.store.chunk_owners()
    assert len(owners) == first.chunks == sum(r.n_chunks for r in records.values())
    stored = after.store.chunk_embeddings(probe)  # same files, same offsets: same chunk ids
    texts = {c.chunk_id: c for c, _ in after.store.get_chunks(probe)}
    assert sorted(stored) == probe
    for cid, vector in stored.items():
        chunk = texts[cid]
        fresh = onnx_embeddings.embed_query(embedding_text(chunk))
        assert float(np.dot(vector, fresh)) > 0.99999  # embedded alone: the stored vector
        assert float(np.dot(vector, torch_vectors[cid])) < 0.9999  # re-embedded, not kept

    onnx_hits = after.retriever.search(question)
    assert onnx_hits[0].chunk.chunk_id == torch_hits[0].chunk.chunk_id
    with pytest.raises(IndexMismatch, match="embedded as onnx-int8"):
        before.retriever.search(question)
    assert after.ingestor.ingest([corpus]).unchanged == 2  # and it stays put


def test_texts_embedded_lately_are_not_embedded_again(embeddings, monkeypatch):
    """A question's answerer and its conflict check embed the same sentences: the model runs
    once for them."""
    texts = ["The harbour toll doubled in March.", "The committee never met that spring."]
    calls: list[list[str]] = []
    encode = LocalEmbeddings.encode

    def spy(self: LocalEmbeddings, batch: list[str]) -> np.ndarray:
        calls.append(list(batch))
        return encode(self, batch)

    monkeypatch.setattr(LocalEmbeddings, "encode", spy)
    first = embeddings.embed_documents(texts)
    again = embeddings.embed_documents([texts[1], "A third, new sentence.", texts[1]])
    assert calls == [texts, ["A third, new sentence."]]
    assert again[0] == first[1] == again[2]
    assert embeddings.embed_query(texts[0]) == first[0]
    assert len(calls) == 2
