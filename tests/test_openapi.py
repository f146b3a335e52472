"""The HTTP API checked against its own OpenAPI description with schemathesis (a few examples per operation;
PLANKG_FUZZ_EXAMPLES raises it). No generated request may cause a server error."""

import os

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install '.[test]' brings schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402

from support import start_server  # noqa: E402

EXAMPLES = max(3, int(os.environ.get("PLANKG_FUZZ_EXAMPLES", "60")) // 10)


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory):
    env = {**os.environ, "PLANKG_STORE": str(tmp_path_factory.mktemp("store"))}
    proc, base = start_server(env, "--query-timeout", "5")
    import httpx

    httpx.get(base + "/audit", timeout=600)  # computed once (pyshacl, in a worker), then kept
    yield schemathesis.openapi.from_url(base + "/openapi.json")
    proc.terminate()
    proc.wait(timeout=20)


def test_no_server_errors(api_schema):
    """Every operation, with cases generated from its schema (schemathesis strategies driven by hypothesis;
    its pytest plugin does not run on this pytest)."""
    from hypothesis import given

    operations = [r.ok() for r in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for op in operations:
        @given(case=op.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case):
            response = case.call(timeout=60)
            # 503 is the documented answer to a query stopped at its time limit or a full queue.
            assert response.status_code < 500 or response.status_code == 503, (
                case.method, case.formatted_path, response.text[:300])

        check()
