"""A webhook receiver down for a while (connections refused, then 503s), then back: every delivery arrives,
and is accepted exactly once (one 2xx per webhook-id), each attempt logged."""
from __future__ import annotations

from pathlib import Path

from tests.e2e.deployment import sql, wait_until
from tests.faults.invariants import assert_everything_once, rows, wait_for_everything
from tests.faults.scenario import SELECTED, receiving, world

DELIVERIES = 1 + SELECTED  # the digest, and each selected paper


def test_a_receiver_down_then_back_gets_each_delivery_exactly_once(
        tmp_path: Path, pg_url: str, amqp_url: str, amqp_prefix: str) -> None:
    with world(tmp_path, pg_url, amqp_url, amqp_prefix) as w:
        w.subscribe()
        w.request_fetch()
        # Nothing listens where the subscriptions point: every first attempt is refused.
        wait_until(lambda: sql(w.database, "SELECT count(DISTINCT delivery_id) FROM webhook_attempts "
                                           "WHERE status_code IS NULL") == DELIVERIES, 120,
                   "every delivery refused once by a closed port")
        with receiving(w) as receiver:
            receiver.default = (503, {"Retry-After": "1"}, b"down for maintenance")
            wait_until(lambda: len({r.headers["webhook-id"] for r in receiver.requests}) == DELIVERIES, 60,
                       "every delivery refused with a 503")
            receiver.default = (200, {}, b"ok")
            wait_for_everything(w, receiver)
            print(assert_everything_once(w, receiver))
            for delivery in rows(w.database, "SELECT id FROM webhook_deliveries"):
                log = rows(w.database, "SELECT ok, status_code, error FROM webhook_attempts WHERE delivery_id = $1 "
                                       "ORDER BY started_at, attempt", delivery["id"])
                # Refused by the closed port, refused with a 503, accepted once and only at the end.
                assert log[0]["status_code"] is None and log[0]["error"], log
                assert 503 in [a["status_code"] for a in log], log
                assert [a["ok"] for a in log].count(True) == 1 and log[-1]["ok"] and log[-1]["status_code"] == 200
