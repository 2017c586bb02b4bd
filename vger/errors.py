"""Typed errors: the CLI and the web turn them into one clear sentence each."""


class VgerError(Exception):
    """Base of every error Vger reports to a person in words."""


class ConfigError(VgerError):
    """A setting or a stored configuration is missing or invalid."""


class NotFoundError(VgerError):
    """A team, board or repository that does not exist."""


class SourceError(VgerError):
    """Jira or GitHub answered with an error, or could not be reached."""


class LockedError(VgerError):
    """Another run already holds the lock of this board."""
