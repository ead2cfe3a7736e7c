"""One browser (or API) session of the Fine-tune tab: its data, split and adapter, and the
adapter slot it holds on the server (models/finetune/training.py AdapterLedger): claimed when it
trains, released when the session ends, set aside when the server needs the room."""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from typing import Any

from models.errors import InvalidInputError
from models.finetune.data import (
    ParsedData,
    Split,
)
from models.finetune.settings import TrainedAdapter
from models.finetune.training import (
    ADAPTERS,
    LoraBench,
    bench_for,
)
from models.registry import Registry
from models.sentences import sentence


@dataclass
class TuneSession:
    """What one browser session has: its data, split and (after training) its adapter."""

    data: ParsedData
    split: Split
    source: str
    key: str = ""
    adapter: TrainedAdapter | None = None
    loss_before: float | None = None
    loss_after: float | None = None
    address: str = ""  # the client's address: the server's adapter slots are bounded per address
    set_aside: bool = False  # the server took its adapter back (unused for a while, or full)


SET_ASIDE = sentence(
    "Your fine-tuned model was set aside to make room on the server (it was not used for a "
    "while): fine-tune again, or bring it back from its lora-adapter.zip."
)


def client_address(request: Any) -> str:
    """The address a Gradio request came from ("" without one): adapter slots are bounded per
    address (behind a NAT, a whole lecture hall shares one)."""
    return str(getattr(getattr(request, "client", None), "host", "") or "")


def hold_slot(session: TuneSession) -> None:
    """Claim (or renew) the session's adapter slot on the server (models/finetune/training.py
    AdapterLedger); should the server take it back later, the session drops its adapter."""
    session.key = session.key or uuid.uuid4().hex
    ADAPTERS.claim(session.key, session.address, on_evict=functools.partial(set_aside, session))
    session.set_aside = False


def set_aside(session: TuneSession) -> None:
    """The server took the session's slot back: its adapter goes, and its next use says so."""
    session.adapter, session.loss_after, session.set_aside = None, None, True


def release(session: TuneSession | None) -> None:
    """Free the session's adapter slot (Gradio calls this when the session ends)."""
    if isinstance(session, TuneSession) and session.key:
        ADAPTERS.release(session.key)


def trained_session(session: TuneSession | None, then: str) -> TuneSession:
    """The session, once it has an adapter; otherwise an error that says what to do first."""
    if isinstance(session, TuneSession) and session.adapter is None and session.set_aside:
        raise InvalidInputError(SET_ASIDE)
    if not isinstance(session, TuneSession) or session.adapter is None:
        raise InvalidInputError(f"Fine-tune a model first; then {then}.")
    return session


def adapter_bench(registry: Registry, session: TuneSession) -> LoraBench:
    """The training copy of the model the session's adapter was trained on."""
    assert session.adapter is not None
    return bench_for(registry.load(session.adapter.base_model, kind="causal-lm"))
