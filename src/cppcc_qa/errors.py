"""The one exception family users see: a message saying what is wrong and what to do."""

from __future__ import annotations


class CppccQaError(Exception):
    """A user-facing error: ``str(err)`` is one line naming the problem and the fix."""

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} {fix}".strip())


class IndexStateError(CppccQaError):
    """The index directory is missing, damaged or stale."""


class InputError(CppccQaError):
    """A question, phrase or parameter that cannot be used as given."""
