"""schemathesis against /openapi.json of a real publisher process: stateless and stateful, with the token,
a bounded number of examples; no server error, no answer the schema does not describe."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, ensure_resource_availability,
                                               negative_data_rejection, response_headers_conformance,
                                               response_schema_conformance, status_code_conformance,
                                               use_after_free)

from shared.runtime import Env
from tests.e2e.cli import child_env
from tests.e2e.deployment import Deployment
from tests.publisher.api.conftest import AUTH, TOKEN
from tests.publisher.api.store import published_run

EXAMPLES = 20  # per operation; the CI budget, not a statement about coverage
API = r"^/api/v1/"
# No server error, no answer outside the schema, schema-invalid input refused, and (stateful) a deleted
# resource stays gone while a created one is there. Not `positive_data_acceptance`: a schema-valid request may
# still be refused for what no schema can say (an unknown profile, a private webhook address, a forged cursor).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection, use_after_free, ensure_resource_availability]


@pytest.fixture
def publisher_process(tmp_path: Path, pg_env: Env, amqp_url: str, amqp_prefix: str) -> Iterator[str]:
    (tmp_path / "config.json").write_text('{"categories": ["cs.AI"]}')
    env = child_env(DATABASE_URL=pg_env.settings.database_url or "", AMQP_URL=amqp_url, AMQP_PREFIX=amqp_prefix,
                    API_TOKEN=TOKEN, ARXIV_BOT_CONFIG=str(tmp_path / "config.json"), FETCH_COALESCE_SECONDS="3600",
                    SWEEP_INTERVAL_SECONDS="1", LOG_LEVEL="WARNING")
    deployment = Deployment(env, tmp_path)
    try:
        deployment.start("publisher")
        yield deployment.url("publisher")
    except BaseException:
        print((tmp_path / "publisher.log").read_text()[-5000:])
        raise
    finally:
        deployment.stop()


def settings(**values: object) -> hypothesis.settings:
    return hypothesis.settings(deadline=None, database=None, derandomize=True, print_blob=False,
                               suppress_health_check=list(HealthCheck), **values)  # type: ignore[arg-type]


async def test_no_server_error_and_no_schema_violation(publisher_process: str, pg_env: Env) -> None:
    await published_run(pg_env)  # real rows, so reads return more than empty pages
    schema = schemathesis.openapi.from_url(publisher_process + "/openapi.json").include(path_regex=API)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 14

    for operation in operations:
        @settings(max_examples=EXAMPLES)
        @hypothesis.given(case=operation.as_strategy())
        def stateless(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=AUTH, checks=CHECKS)

        stateless()

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: schemathesis.Case) -> dict:
            return {"headers": AUTH}

        def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:  # noqa: ANN001
            case.validate_response(response, checks=CHECKS, headers=AUTH, transport_kwargs=kwargs or None,
                                   recorder=self.recorder)

    Workflow.run(settings=settings(max_examples=EXAMPLES, stateful_step_count=6))
