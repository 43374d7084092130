from llm.protocol import Chunk


def test_chunk_round_trips_through_the_wire_format():
    chunk = Chunk(text="SELECT 1", finish_reason="stop", usage={"prompt_tokens": 3})
    raw = chunk.encode()
    assert raw.endswith(b"\0")
    assert Chunk.decode(raw[:-1]) == chunk
