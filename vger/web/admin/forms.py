"""The admin's forms as WTForms forms: each field reads its posted text (or the box's
state) and checks it with the store's own field rule (:mod:`vger.store.validate`), so a
page and ``vger board add`` refuse a value in the same words. The CSRF token is checked
for the whole request by the admin guard (Flask-WTF), so these are plain forms."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    IntegerField,
    StringField,
    ValidationError,
)
from wtforms.validators import Length

from vger.errors import ConfigError
from vger.store import validate
from vger.web.admin.common import int_or_none


def rule(check: Callable[..., Any], *args: Any) -> Callable[[Form, Any], None]:
    """A field validator from a store rule: the rule's words are the field's error, and
    the value it returns is kept as ``field.parsed``."""

    def validator(form: Form, field: Any) -> None:
        try:
            field.parsed = check(field.data, *args)
        except ConfigError as exc:
            raise ValidationError(str(exc)) from None

    return validator


def _repos(text: str) -> list[str]:
    return validate.validate_repos(validate.parse_list(text))


class _Form(Form):
    def first_errors(self) -> dict[str, str]:
        """One message per field in error, in the order of the fields."""
        return {name: messages[0] for name, messages in self.errors.items() if messages}


class TeamForm(_Form):
    """A team: slug (checked when it is created), name, time zone, fiscal-year start."""

    slug = StringField(default="", validators=[rule(validate.validate_slug, "team slug")])
    name = StringField(default="", validators=[rule(validate.validate_name, "team name")])
    tz = StringField(default="UTC")
    fiscal_start_month = StringField(default="1", validators=[rule(validate.validate_fiscal)])


class BoardForm(_Form):
    """A board's settings. The slug is checked apart (only a new board has one), and the
    checks that ask Jira (the JQL, a board found by name) run after these."""

    slug = StringField(default="")
    name = StringField(default="", validators=[rule(validate.validate_name, "board name")])
    team = StringField(default="")
    jql = StringField(default="", validators=[rule(validate.validate_jql)])
    jira_board_id = StringField(default="", validators=[rule(int_or_none, "Jira board id")])
    jira_board_name = StringField(default="")
    include_subtasks = BooleanField()
    rolling_weeks = StringField(default="", validators=[rule(validate.validate_rolling)])
    working_days = BooleanField()
    review_lead_time = BooleanField()
    abandoned = StringField(default="", validators=[rule(validate.parse_list)])
    repos = StringField(default="", validators=[rule(_repos)])


class _Rows(FieldList):
    """A FieldList that reads only small ASCII row numbers from the posted names: WTForms
    takes any ``str.isdigit()`` text (``"²"``, or 5,000 digits) and ``int()`` of it raises,
    so a hostile name would answer 500 instead of being ignored."""

    def _extract_indices(self, prefix: str, formdata: Any):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = key[offset:].split(self._field_separator, 1)[0]
                if index.isascii() and index.isdigit() and len(index) <= 4:
                    yield int(index)


def _strip(text: str | None) -> str:
    return (text or "").strip()


class StateRowForm(Form):
    """One row of the work-states table: its order (a number; empty: the row's place), its
    name (empty: the row is dropped) and whether time in it is working time."""

    order = StringField(default="", filters=[_strip])
    name = StringField(
        default="",
        filters=[_strip],
        validators=[Length(max=200, message="a work state name is at most 200 characters")],
    )
    working = BooleanField()

    def validate_order(self, field: Any) -> None:
        try:
            field.parsed = float(field.data) if field.data else None
        except ValueError:
            field.parsed = None
        if field.data and (field.parsed is None or not math.isfinite(field.parsed)):
            raise ValidationError(f"the order of {self.name.data!r} must be a number")


class WorkStatesForm(_Form):
    """The work-states table (rows ``states-K-order/name/working``, K from 0) and the
    lead-time interval as two row numbers. The status → row choices (``status__<id>``)
    are read by :func:`status_rows`, as their names depend on the board's statuses."""

    states = _Rows(FormField(StateRowForm), max_entries=200)
    interval_start = IntegerField()
    interval_end = IntegerField()


def status_rows(formdata: Any, status_ids: list[str]) -> dict[str, str]:
    """Status id -> the posted row number text of its work state (empty: no state)."""
    return {sid: _strip(formdata.get(f"status__{sid}")) for sid in status_ids}
