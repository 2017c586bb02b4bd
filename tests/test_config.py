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
