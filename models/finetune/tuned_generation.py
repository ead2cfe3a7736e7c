"""Text generation with a session's fine-tuned adapter: the Text tab's "use my fine-tuned model".

The shared registry model stays the base model for everyone. A tuned generation borrows the
process's ``LoraBench`` (models/finetune/training.py), applies the session's LoRA adapter for the
length of one generation, and decodes with the exact fp32 forward and a KV cache. It cannot use the
Text tab's llama.cpp fast engine: that path reads the base weights directly and would silently
drop the adapter. The token probabilities shown afterwards come from the tuned model too.

The bench is one model copy that training and tuned generations take in turns, so the work runs
in a thread that waits (cancellably) while another user trains; the stream says it is waiting.

Not here: sampling and the decode loop (models/text/generation.py), training
(models/finetune/training.py).
"""

from __future__ import annotations

import dataclasses
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from models.finetune.settings import TrainedAdapter
from models.finetune.training import BenchWaitCancelled, bench_for
from models.text.causal_lm import CausalLM
from models.text.decode_loop import CachedForwardDecoder
from models.text.generation import Generation, SamplingSettings, ScoredToken, generate, score_tokens


@dataclass(frozen=True)
class TunedProgress:
    """One streamed update: waiting for the bench, a partial/final generation, or the scores."""

    waiting: bool = False
    run: Generation | None = None
    scored: list[ScoredToken] | None = None


def tuned_name(lm: CausalLM) -> str:
    return f"{lm.name} + your LoRA adapter"


def generate_tuned(
    lm: CausalLM,
    adapter: TrainedAdapter,
    prompt: str,
    settings: SamplingSettings,
    *,
    chat: bool = True,
    stop: threading.Event | None = None,
) -> Iterator[TunedProgress]:
    """Stream a generation from ``lm`` with ``adapter`` applied, then its scored tokens.

    Same seed, same settings → the same text every time. Closing the stream (the user pressed Stop
    or left) sets ``stop``, which ends the decode loop, or the wait for the bench, at once.
    """
    stop = stop or threading.Event()  # the user's Stop: ends decoding, still scores the text
    closed = threading.Event()  # the stream was closed: nobody will read the scores
    updates: queue.Queue[TunedProgress | BaseException | None] = queue.Queue()

    def work() -> None:
        try:
            bench = bench_for(lm)
            if bench.busy:  # someone is training: say so rather than look frozen
                updates.put(TunedProgress(waiting=True))
            with bench.adapted(adapter, cancel=stop) as model:
                tuned = CausalLM(model=model, tokenizer=lm.tokenizer, name=tuned_name(lm))
                run = None
                for run in generate(
                    tuned, prompt, settings, chat=chat, stop=stop,
                    decoder_factory=lambda _length: CachedForwardDecoder(model),
                ):  # fmt: skip
                    # a copy: the loop keeps appending to its own object while we display this one
                    updates.put(TunedProgress(run=dataclasses.replace(run, tokens=[*run.tokens])))
                if run is not None and run.tokens and not closed.is_set():
                    updates.put(TunedProgress(scored=score_tokens(tuned, run, settings)))
        except BenchWaitCancelled:
            pass
        except BaseException as error:  # handed to the stream, which raises it for the caller
            updates.put(error)
        finally:
            updates.put(None)

    worker = threading.Thread(target=work, name="tuned-generation", daemon=True)
    worker.start()
    try:
        while True:
            item = updates.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        closed.set()
        stop.set()
        worker.join()
