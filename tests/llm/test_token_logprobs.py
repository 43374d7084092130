import math

import numpy as np
import pytest

from llm.token_logprobs import ChosenTokenLogprobs


def _log_softmax(logits):
    total = math.log(sum(math.exp(x) for x in logits))
    return [x - total for x in logits]


def test_each_chosen_token_gets_its_log_probability_from_the_step_before():
    recorder = ChosenTokenLogprobs(lambda token: f"<{token}>")
    first, second = np.array([2.0, 0.0, -1.0], dtype=np.float32), np.array([0.0, 3.0, 0.0], dtype=np.float32)
    prompt = np.array([7, 7])
    assert recorder(prompt, first) is first  # the logits go on unchanged
    assert recorder.tokens == []  # the prompt's last token was not generated
    recorder(np.array([7, 7, 0]), second)  # token 0 was chosen from `first`
    recorder(np.array([7, 7, 0, 1]), first)  # token 1 from `second`
    assert recorder.tokens == ["<0>", "<1>"]
    assert recorder.logprobs == pytest.approx([_log_softmax([2.0, 0.0, -1.0])[0], _log_softmax([0.0, 3.0, 0.0])[1]])


def test_the_buffer_llama_cpp_reuses_does_not_change_what_was_recorded():
    recorder = ChosenTokenLogprobs(str)
    buffer = np.array([0.0, 5.0], dtype=np.float32)
    recorder(np.array([1]), buffer)
    buffer[:] = [5.0, 0.0]  # the next position's logits written into the same memory
    recorder(np.array([1, 1]), buffer)
    assert recorder.logprobs[0] > -0.01  # token 1 was the likely one when it was chosen

