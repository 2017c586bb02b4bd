"""Settings: secrets never printed."""

from __future__ import annotations

from click.testing import CliRunner

from vger.cli import cli
from vger.config import mask_url


def test_config_show_masks_tokens_and_url_passwords(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VGER_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("VGER_JIRA_TOKEN", "jira-token-123")
    monkeypatch.setenv("VGER_GITHUB_TOKEN", "ghp_secret456")
    monkeypatch.setenv("VGER_CACHE_URL", "redis://cache:redis-pass-789@cache.local:6379/0")
    result = CliRunner().invoke(cli, ["config", "show"])
    assert result.exit_code == 0, result.output
    for secret in ("jira-token-123", "ghp_secret456", "redis-pass-789"):
        assert secret not in result.output
    assert "redis://cache:***@cache.local:6379/0" in result.output


def test_mask_url_keeps_everything_but_the_password():
    assert mask_url("postgresql://vger:s3cr@t@db:5432/vger") == "postgresql://vger:***@db:5432/vger"
    assert mask_url("postgresql://vger@db/vger") == "postgresql://vger@db/vger"
    assert mask_url("sqlite:///vger.db") == "sqlite:///vger.db"


def test_unreachable_store_is_one_line_not_a_traceback(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VGER_DATABASE_URL", f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}")
    result = CliRunner().invoke(cli, ["board", "list"])
    assert result.exit_code == 1
    assert "cannot use the store" in result.output and "VGER_DATABASE_URL" in result.output
    assert "Traceback" not in result.output


HOSTILE_URLS = [
    ("postgresql+psycopg://vger:pa/ss:w@127.0.0.1:1/vger", "pa/ss:w"),
    ("postgresql+psycopg://vger:p%2Fq%40r@127.0.0.1:1/vger", "p%2Fq%40r"),
    (
        "postgresql+psycopg://vger@127.0.0.1:1/vger?password=qs/secret&connect_timeout=1",
        "qs/secret",
    ),
    ("redis://:red/is@cache.local:6379/0", "red/is"),
]


def test_mask_url_hides_passwords_with_slashes_and_in_the_query():
    for url, secret in HOSTILE_URLS:
        masked = mask_url(url)
        assert secret not in masked and "***" in masked, masked
        assert "127.0.0.1" in masked or "cache.local" in masked
    assert mask_url("postgresql://u@h/db?sslmode=require") == "postgresql://u@h/db?sslmode=require"


def test_config_show_and_store_errors_never_print_such_passwords(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for url, secret in HOSTILE_URLS[:3]:
        monkeypatch.setenv("VGER_DATABASE_URL", url)
        shown = CliRunner().invoke(cli, ["config", "show"])
        assert shown.exit_code == 0 and secret not in shown.output, shown.output
        failed = CliRunner().invoke(cli, ["board", "list"])
        assert failed.exit_code == 1 and "cannot use the store" in failed.output
        assert secret not in failed.output, failed.output
