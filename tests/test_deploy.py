"""serverless.yml and the Lambda handlers, checked without AWS credentials."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from tests.factories import example_board
from vger.config import Settings
from vger.store.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
SERVERLESS = ROOT / "serverless.yml"
VARIABLE = re.compile(r"\$\{([a-z]+):")
SSM = re.compile(r"^\$\{ssm:/(aws/reference/secretsmanager/)?vger/\$\{sls:stage\}/([a-z_]+)\}$")


@pytest.fixture(scope="module")
def config() -> dict:
    return yaml.safe_load(SERVERLESS.read_text())


def _environments(config: dict) -> dict[str, dict[str, str]]:
    envs = {"provider": config["provider"].get("environment") or {}}
    for name, function in config["functions"].items():
        envs[name] = function.get("environment") or {}
    return envs


def test_provider(config):
    provider = config["provider"]
    assert config["service"] == "vger"
    assert provider["name"] == "aws"
    assert provider["runtime"] == "python3.11"
    assert "serverless-python-requirements" in config["plugins"]
    assert config["custom"]["pythonRequirements"]["slim"] is True


@pytest.mark.parametrize("name", ["web", "etl"])
def test_handlers_are_importable(config, name):
    handler = config["functions"][name]["handler"]
    module_path, _, attr = handler.rpartition(".")
    module = importlib.import_module(module_path.replace("/", "."))
    assert callable(getattr(module, attr))
    assert f"vger.aws.{name}" == f"{module.__name__}.{attr}"


def test_events(config):
    web, etl = config["functions"]["web"], config["functions"]["etl"]
    assert web["events"] == [{"httpApi": "*"}]
    assert web["timeout"] <= 30  # API Gateway integration limit
    (schedule,) = etl["events"]
    assert schedule["schedule"]["rate"].startswith(("cron(", "rate("))
    assert etl["timeout"] <= 900


def test_every_ssm_variable_maps_to_a_setting(config):
    fields = set(Settings.model_fields)
    seen = 0
    for where, env in _environments(config).items():
        for name, value in env.items():
            value = str(value)
            if not value.startswith("${"):
                continue
            match = SSM.match(value)
            assert match, f"{where}.{name}: {value} is not /vger/${{sls:stage}}/<setting>"
            assert name.startswith("VGER_"), name
            field = name.removeprefix("VGER_").lower()
            assert field in fields, f"{name} is no Settings field"
            assert match.group(2) == field, f"{name} reads {match.group(2)}"
            seen += 1
    assert seen >= 4


def test_no_secret_literals(config):
    secret_fields = {"database_url", "jira_token", "github_token", "admin_password", "secret_key"}
    for where, env in _environments(config).items():
        for name, value in env.items():
            field = name.removeprefix("VGER_").lower()
            if field in secret_fields:
                assert str(value).startswith("${ssm:"), f"{where}.{name} must come from SSM"
    text = SERVERLESS.read_text()
    assert not re.search(r"postgres(ql)?://\w+:\w+@", text), "a password in a URL"
    assert not re.search(r"(ghp_|github_pat_|ATATT)[A-Za-z0-9_]{8,}", text), "a token"
    assert set(VARIABLE.findall(text)) <= {"ssm", "sls", "opt", "aws", "self"}


def test_package_excludes_tests_and_bench(config):
    patterns = config["package"]["patterns"]
    for excluded in ("!tests/**", "!bench/**", "!docs/**"):
        assert excluded in patterns
    assert "vger/**" in patterns and "etl/**" in patterns


# --- the handlers -------------------------------------------------------------------


def http_api_event(path: str, query: str = "") -> dict:
    """An API Gateway HTTP API (payload v2) event on the $default stage."""
    host = "abc123.execute-api.eu-west-1.amazonaws.com"
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "cookies": [],
        "headers": {"host": host, "accept": "*/*", "user-agent": "pytest"},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "abc123",
            "domainName": host,
            "domainPrefix": "abc123",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "192.0.2.1",
                "userAgent": "pytest",
            },
            "requestId": "id",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Feb/2024:12:00:00 +0000",
            "timeEpoch": 1706788800000,
        },
        "isBase64Encoded": False,
    }


@pytest.fixture
def lambda_store(tmp_path, monkeypatch):
    import vger.aws

    url = f"sqlite:///{tmp_path / 'lambda.db'}"
    engine = make_engine(url)
    upgrade(engine)
    example_board(engine)
    engine.dispose()
    monkeypatch.setenv("VGER_DATABASE_URL", url)
    monkeypatch.setenv("VGER_SECRET_KEY", "test-key")
    vger.aws._web_handler.cache_clear()
    vger.aws._store.cache_clear()
    yield url
    vger.aws._web_handler.cache_clear()
    vger.aws._store.cache_clear()


CONTEXT = SimpleNamespace(
    function_name="vger-test-etl",
    invoked_function_arn="arn:aws:lambda:eu-west-1:123456789012:function:vger-test-etl",
    aws_request_id="req",
)


@pytest.mark.parametrize(
    ("path", "query", "expect"),
    [
        ("/health", "", '"status":"ok"'),
        ("/", "", "_dash-config"),
        ("/quadrant", "board=example", "_dash-config"),
        ("/api/v1/quadrant", "board=example&from=2024-01-01&to=2024-01-28", '"board": "example"'),
        ("/assets/vger.css", "", ""),
    ],
)
def test_web_handler_answers_http_api_events(lambda_store, path, query, expect):
    from vger.aws import web

    response = web(http_api_event(path, query), CONTEXT)
    assert response["statusCode"] == 200, response.get("body", "")[:500]
    body = response["body"]
    assert not response.get("isBase64Encoded")
    assert expect.replace(" ", "") in body.replace(" ", "")
    if path == "/":
        # $default stage: Dash tells the browser no prefix, so assets resolve from the root
        config = re.search(r'id="_dash-config" type="application/json">(.*?)</script>', body)
        assert json.loads(config.group(1))["requests_pathname_prefix"] == "/"
        assert 'src="/_dash-component-suites/' in body


def test_web_handler_is_built_once(lambda_store):
    import vger.aws

    vger.aws.web(http_api_event("/health"), CONTEXT)
    first = vger.aws._web_handler()
    vger.aws.web(http_api_event("/health"), CONTEXT)
    assert vger.aws._web_handler() is first


def test_etl_fans_out_one_invocation_per_board(lambda_store):
    import vger.aws

    with make_engine(lambda_store).begin() as conn:
        from vger.store import boards

        boards.add_board(conn, "second", "ex-team", name="Second", jql="project = SEC")
    calls: list[dict] = []
    result = vger.aws.etl({}, CONTEXT, invoke=calls.append)
    assert calls == [{"board": "example", "full": False}, {"board": "second", "full": False}]
    assert result == {"fanned_out": ["example", "second"]}
    calls.clear()
    vger.aws.etl({"full": True}, CONTEXT, invoke=calls.append)
    assert all(call["full"] for call in calls) and len(calls) == 2


def test_etl_with_a_board_runs_that_board(lambda_store, monkeypatch):
    import etl.run
    import vger.aws

    seen: dict = {}

    class Report:
        ok = True

        def summary(self):
            return "jira example: 0 added"

    def fake_run_etl(engine, settings, *, board_slug=None, full=False, **kw):
        seen.update(board=board_slug, full=full, url=settings.database_url)
        return Report()

    monkeypatch.setattr(etl.run, "run_etl", fake_run_etl)
    result = vger.aws.etl({"board": "example"}, CONTEXT, invoke=pytest.fail)
    assert seen == {"board": "example", "full": False, "url": lambda_store}
    assert result["ok"] and result["board"] == "example"


def test_etl_failure_raises_for_the_retry_policy(lambda_store, monkeypatch):
    import etl.run
    import vger.aws

    class Failed:
        ok = False

        def summary(self):
            return "jira example: FAILED: HTTP 401"

    monkeypatch.setattr(etl.run, "run_etl", lambda *a, **k: Failed())
    with pytest.raises(RuntimeError, match="etl example failed"):
        vger.aws.etl({"board": "example"}, CONTEXT)


def test_etl_board_without_jira_settings_reports_in_words(lambda_store):
    """The real run_etl on a board with nothing configured: no exception, a summary."""
    import vger.aws

    try:
        result = vger.aws.etl({"board": "example"}, CONTEXT)
    except RuntimeError as exc:  # a failed part is reported, never a traceback
        assert "example" in str(exc)
    else:
        assert result["board"] == "example"


def test_rest_api_stage_prefix_from_the_environment(lambda_store, monkeypatch):
    """Behind a REST API stage URL (…/dev/), DASH_REQUESTS_PATHNAME_PREFIX makes the
    browser request /dev/_dash-* while the routes stay at / (API Gateway strips the stage)."""
    from vger.aws import web

    monkeypatch.setenv("DASH_REQUESTS_PATHNAME_PREFIX", "/dev/")
    response = web(http_api_event("/"), CONTEXT)
    assert response["statusCode"] == 200
    config = re.search(
        r'id="_dash-config" type="application/json">(.*?)</script>', response["body"]
    )
    assert json.loads(config.group(1))["requests_pathname_prefix"] == "/dev/"
    assert 'src="/dev/_dash-component-suites/' in response["body"]
