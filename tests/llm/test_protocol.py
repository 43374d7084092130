from llm.protocol import Chunk


def test_chunk_round_trips_through_the_wire_format():
    chunk = Chunk(text="SELECT 1", finish_reason="stop", usage={"prompt_tokens": 3})
    raw = chunk.encode()
    assert raw.endswith(b"\0")
    assert Chunk.decode(raw[:-1]) == chunk


def test_token_logprobs_travel_in_fastchats_shape():
    chunk = Chunk(text="SELECT 1", tokens=["SELECT", " 1"], token_logprobs=[-0.01, -0.5])
    raw = chunk.encode()
    assert b'"logprobs": {"tokens": ["SELECT", " 1"], "token_logprobs": [-0.01, -0.5]}' in raw
    assert Chunk.decode(raw[:-1]) == chunk


def test_a_chunk_without_logprobs_says_nothing_of_them():
    raw = Chunk(text="x").encode()
    assert b"logprobs" not in raw
    assert Chunk.decode(raw[:-1]).token_logprobs is None
