"""What an ETL run did, per source and scope, and the summary line printed at the end."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class SourceReport:
    """One board's Jira sync or one repository's GitHub sync."""

    source: str  # jira | github
    scope: str  # board slug or owner/name
    ok: bool = True
    added: int = 0
    updated: int = 0
    removed: int = 0
    requests: int = 0
    seconds: float = 0.0
    error: str | None = None
    extra: dict[str, object] = field(default_factory=dict)

    def line(self) -> str:
        if not self.ok:
            return f"{self.source} {self.scope}: FAILED: {self.error}"
        details = "".join(f", {k} {v}" for k, v in self.extra.items())
        return (
            f"{self.source} {self.scope}: {self.added} added, {self.updated} updated, {self.removed} removed, "
            f"{self.requests} requests, {self.seconds:.1f} s{details}"
        )


@dataclass
class EtlReport:
    """Every part of one ``vger etl`` run."""

    parts: list[SourceReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(p.ok for p in self.parts)

    def summary(self) -> str:
        if not self.parts:
            return "Nothing to sync: no boards with a JQL or repositories (see `vger board list`)."
        return "\n".join(p.line() for p in self.parts)
