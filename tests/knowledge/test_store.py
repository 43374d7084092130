"""The store against a real Chroma server (`chroma run`, as the docker-compose
service runs it), and embeddings through the FastChat workers' endpoint."""

import threading
import time

import pytest

from knowledge.embeddings import EmbeddingError, WorkerEmbedding
from knowledge.index import HybridIndex, Item
from knowledge.store import ChromaStore, StoreError, collection_name
from llm.cluster_auth import ClusterSecretRequired
from tests.support.chroma import chroma_server as running_chroma
from tests.support.helpers import free_port

SECRET = "test-cluster-secret-0123456789"


def test_collection_names_are_valid_and_distinct():
    names = {collection_name("schema", key) for key in ["shop", "postgresql://u@h/db", "a/b", "a_b", "x" * 600]}
    assert len(names) == 5
    for name in names:
        assert 3 <= len(name) <= 512 and name[0].isalnum() and name[-1].isalnum()
        assert all(c.isalnum() or c in "._-" for c in name)


@pytest.fixture
def chroma_server(tmp_path):
    with running_chroma(tmp_path / "server") as url:
        yield url


def test_a_chroma_server_holds_the_index(chroma_server, embedder):
    store = ChromaStore(url=chroma_server)
    index = HybridIndex(store, "docs-test", embedder)
    index.upsert([Item("a", "VACUUM rebuilds the database file", {"kind": "html"}),
                  Item("b", "ATTACH adds another database file to the connection", {"kind": "html"})])
    # A second client (another process would be the same) sees the same collection.
    again = HybridIndex(ChromaStore(url=chroma_server), "docs-test", embedder)
    hits = again.search("shrink the database file", k=1)
    assert hits[0].id == "a" and hits[0].vector_score > 0.3


def test_an_unreachable_server_is_a_clear_error():
    with pytest.raises(StoreError, match="not reachable"):
        ChromaStore(url=f"http://127.0.0.1:{free_port()}")


@pytest.fixture
def embedding_worker(embedder):
    """A FastChat-protocol controller + worker pair answering with the real model,
    behind the cluster secret as the real ones are."""
    import uvicorn
    from fastapi import FastAPI

    port = free_port()
    app = FastAPI()

    @app.post("/get_worker_address")
    def address(body: dict):
        return {"address": f"http://127.0.0.1:{port}" if body["model"] == "minilm" else ""}

    @app.post("/worker_get_embeddings")
    def embeddings(body: dict):
        return {"embedding": embedder.get_text_embedding_batch(body["input"]), "token_num": 1}

    server = uvicorn.Server(uvicorn.Config(ClusterSecretRequired(app, SECRET), host="127.0.0.1", port=port,
                                           log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_embeddings_through_the_worker_endpoint(embedding_worker, embedder, store):
    remote = WorkerEmbedding(controller_url=embedding_worker, worker_model="minilm", embed_batch_size=2,
                             cluster_secret=SECRET)
    texts = ["one", "two", "three"]
    import numpy as np

    assert np.allclose(remote.get_text_embedding_batch(texts), embedder.get_text_embedding_batch(texts), atol=1e-5)
    index = HybridIndex(store, "remote", remote)
    index.upsert([Item("x", "replica lag"), Item("y", "disk full")])
    assert index.search("replication delay", k=1)[0].id == "x"
    with pytest.raises(EmbeddingError, match="no worker"):
        WorkerEmbedding(controller_url=embedding_worker, worker_model="other",
                        cluster_secret=SECRET).get_query_embedding("x")
