"""Message bodies: versioned, round-trippable, strict about what they cannot understand."""
from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.messages import MESSAGE_TYPES, RunFetched, UnknownMessage, decode
from arxiv_bot.embedded import HANDLERS, handlers_for
from shared.topology import SERVICES, Topology


def test_every_message_round_trips_through_its_routing_key() -> None:
    message = RunFetched(run_id="r1", status="ok", items=3, new=2, changed=1)
    again = decode(message.routing_key, message.encode())
    assert again == message and again.schema_version == 1


def test_fields_from_a_newer_producer_are_ignored_but_a_newer_schema_is_refused() -> None:
    body = b'{"schema_version": 1, "run_id": "r", "status": "ok", "items": 0, "new": 0, "changed": 0, "extra": 1}'
    assert decode("run.fetched", body).run_id == "r"
    with pytest.raises(ValidationError):
        decode("run.fetched", body.replace(b'"schema_version": 1', b'"schema_version": 2'))


def test_an_unknown_routing_key_or_a_bad_status_is_an_error() -> None:
    with pytest.raises(UnknownMessage):
        decode("run.exploded", b"{}")
    with pytest.raises(ValidationError):
        decode("run.fetched", b'{"run_id": "r", "status": "weird", "items": 0, "new": 0, "changed": 0}')


def test_every_handled_routing_key_has_a_message_type_and_names_are_prefixed() -> None:
    assert set(HANDLERS) == set(SERVICES)
    assert {key for handlers in HANDLERS.values() for key in handlers} <= set(MESSAGE_TYPES)
    # Bindings are derived from the handler tables: run.scored reaches the publisher only, each
    # summary request the summarizer only.
    assert handlers_for("run.scored") == [HANDLERS["publisher"]["run.scored"]]
    assert handlers_for("summary.requested") == [HANDLERS["summarizer"]["summary.requested"]]
    topology = Topology("blue")
    assert topology.queue("scorer") == "blue.scorer" and topology.parking_queue("scorer") == "blue.scorer.parked"
    assert topology.exchange.startswith("blue.")
