"""Exit codes and the exceptions the core raises for problems a user can fix.

The core never prints: it raises one of these, and the CLI layer turns it into one line on stderr
and the matching exit code.
"""

from __future__ import annotations

from enum import IntEnum
from typing import NamedTuple


class ExitCode(IntEnum):
    OK = 0
    NOT_FOUND = 1
    USAGE = 2
    INVALID_KB = 3
    CANNOT_WRITE = 4
    STUDY_DB = 5
    INTERRUPTED = 130


class HamkneeError(Exception):
    """A problem the user can act on; ``str(err)`` is the one-line message."""

    exit_code: ExitCode = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}" if self.hint else self.message


class NotFoundError(HamkneeError):
    exit_code = ExitCode.NOT_FOUND

    def __init__(self, term: str, suggestions: list[str], what: str = "entry", command: str = "explain") -> None:
        self.term = term
        # The command the student was running: an offer it can answer is shown as that command again.
        self.command = command
        self.suggestions = suggestions
        # The kinds of entry that would have answered ("condition or region" -> both); none: any kind.
        self.kinds = tuple(k for k in what.split(" or ") if k != "entry")
        # Filled in by whoever can name them: the entries to offer, with names ({id, name, kind}).
        self.offers: list[dict[str, str]] = []
        # Set when the term may be one of several unquoted names: how to write them.
        self.quoting: str | None = None
        hint = (
            f"Did you mean: {', '.join(suggestions)}?"
            if suggestions
            else "Try 'hamknee search' or 'hamknee list'."
        )
        super().__init__(f"No {what} for {safe_text(term)!r}.", hint)

    def search_command(self) -> str:
        """The command that searches for the term, as a student would type it."""
        import shlex

        words = safe_text(self.term, 60).split()
        return "hamknee search " + (" ".join(shlex.quote(w) for w in words) if words else "WORDS")

    def lines(self) -> list[str]:
        """The message, the entries it may have meant (name and id), and how to search for it."""
        if self.quoting and not self.offers:
            return [f"Error: {self.message}", self.quoting]
        if not self.offers and len(self.kinds) == 1:  # entries of other kinds may still mention it
            return [f"Error: {self.message} No {self.kinds[0]} is named or spelt like it.",
                    f"Search every entry: {self.search_command()}, or list them: hamknee list {self.kinds[0]}"]
        if not self.offers:
            return [f"Error: {self.message} Nothing is named or spelt like it, and no entry mentions it.",
                    "Try other words: hamknee search WORDS, or every entry: hamknee list"]
        shown = [f"Error: {self.message} Did you mean:"]
        shown += [f"  {o['name']}: hamknee {self._command_for(o)} {o['id']}" for o in self.offers]
        if self.quoting:
            shown.append(self.quoting)
        shown.append(f"Or search the whole text: {self.search_command()}")
        return shown

    def _command_for(self, offer: dict[str, str]) -> str:
        if not self.kinds or offer.get("kind") in self.kinds:
            return self.command
        return "explain"

    def as_json(self) -> dict[str, object]:
        return {"error": self.message, "term": safe_text(self.term), "suggestions": self.offers,
                "search": self.search_command()}


class UsageProblem(HamkneeError):
    exit_code = ExitCode.USAGE


class CannotWriteError(HamkneeError):
    exit_code = ExitCode.CANNOT_WRITE


class StudyDatabaseError(HamkneeError):
    exit_code = ExitCode.STUDY_DB


class Problem(NamedTuple):
    """One thing wrong with a knowledge base file, located as precisely as we can."""

    message: str
    path: str = ""
    line: int | None = None
    column: int | None = None

    def format(self, file: str) -> str:
        where = file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        at = f" {self.path}:" if self.path else ""
        return f"{where}:{at} {self.message}"


MAX_SHOWN = 100  # problem lines printed; a broken file can have millions


class InvalidKnowledgeBase(HamkneeError):
    exit_code = ExitCode.INVALID_KB

    def __init__(self, file: str, problems: list[Problem], more: int = 0) -> None:
        self.file = file
        self.problems = problems
        # Problems found but not listed (millions of one kind would be millions of objects).
        self.count = count = len(problems) + more
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"{self.file}: invalid knowledge base ({count} {noun}).",
            "Fix them and run 'hamknee validate'.",
        )

    def lines(self, limit: int = MAX_SHOWN) -> list[str]:
        """One line per problem, at most ``limit`` of them, then how many more there are."""
        shown = [p.format(self.file) for p in self.problems[:limit]]
        if self.count > limit:
            shown.append(f"{self.file}: ... and {self.count - min(limit, len(self.problems)):,} more problems")
        return shown


def quoted(value: object, limit: int = 80) -> str:
    """A key or value from a file, quoted for a message: at most ``limit`` characters of it, then an ellipsis."""
    text = str(value)
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def safe_text(text: str, limit: int = 80) -> str:
    """Make user-supplied text safe to echo: no control characters, bounded length."""
    cleaned = "".join(ch if ch.isprintable() else "?" for ch in text)
    if len(cleaned) > limit:
        cleaned = cleaned[: limit - 1] + "…"
    return cleaned
