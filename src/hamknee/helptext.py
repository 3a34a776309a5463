"""Help pages a student can read: plain argument names, one example a line, whole command summaries.

Typer writes a required argument as ``{TERM}`` in usage lines and an option's value as ``<int range>``;
these helpers give every command (whichever module defines it) the same plain form, and let the global
options be written after the command too (``hamknee explain X --kb my.yaml``).
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any

# Global options and whether each takes a value.
GLOBAL_OPTIONS = {"--kb": True, "--no-pager": False}

_EXAMPLES = "Examples:"


def hoist_global_options(args: list[str], commands: Mapping[str, str]) -> list[str]:
    """Move global options found after the command name to before it, where the parser expects them."""
    position = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg in commands:
            position = i
            break
        if arg == "--":
            return args
        i += 2 if GLOBAL_OPTIONS.get(arg) else 1
    if position is None:
        return args
    front: list[str] = []
    rest: list[str] = []
    i = position + 1
    while i < len(args):
        arg = args[i]
        if arg == "--":
            rest += args[i:]
            break
        name = arg.split("=", 1)[0]
        if name in GLOBAL_OPTIONS:
            takes_value = GLOBAL_OPTIONS[name] and "=" not in arg
            if takes_value and i + 1 < len(args):
                front += [arg, args[i + 1]]
                i += 2
                continue
            if not takes_value:
                front.append(arg)
                i += 1
                continue
        rest.append(arg)
        i += 1
    return [*args[:position], *front, args[position], *rest]


def as_help(args: list[str], commands: Mapping[str, str]) -> list[str]:
    """`hamknee help COMMAND [SUBCOMMAND]` as `hamknee COMMAND [SUBCOMMAND] --help`; `hamknee help` alone as --help."""
    i = 0
    while i < len(args) and args[i].startswith("-") and args[i] != "--":
        i += 2 if GLOBAL_OPTIONS.get(args[i]) else 1  # skip a global option and its value
    if i >= len(args) or args[i] != "help" or "help" in commands:
        return args
    return [*args[:i], *args[i + 1:], "--help"]


def examples(epilog: str) -> str:
    """'Examples:  a  ·  b' as one example a line (``\\b`` stops click from re-flowing the paragraph)."""
    text = " ".join(epilog.split())
    if not text.startswith(_EXAMPLES):
        return epilog
    items = [item.strip() for item in text[len(_EXAMPLES):].split("·") if item.strip()]
    return "\b\n" + _EXAMPLES + "\n" + "\n".join(f"  {item}" for item in items)


def _metavar(option: Any) -> str:
    from typer._click import types as kinds

    kind = option.type
    if isinstance(kind, kinds._NumberParamTypeBase):
        return "N"
    if isinstance(kind, kinds.File) or type(kind).__name__ == "Path":
        return "PATH"
    if hasattr(kind, "choices"):
        return "|".join(str(c) for c in kind.choices)
    return "TEXT"


def _plain_usage(argument: Any) -> None:
    original = argument.make_metavar

    def make_metavar(self: Any, ctx: Any, *args: Any, **kwargs: Any) -> str:
        text: str = original(ctx, *args, **kwargs)
        return text.replace("{", "").replace("}", "")

    argument.make_metavar = types.MethodType(make_metavar, argument)


def _plain_range(kind: Any) -> None:
    """'1 to 500' in help and errors, not '1<=x<=500'."""
    def describe(self: Any) -> str:
        if self.min is None:
            return f"{'below' if self.max_open else 'at most'} {self.max}"
        if self.max is None:
            return f"{'above' if self.min_open else 'at least'} {self.min}"
        return f"{self.min} to {self.max}"

    kind._describe_range = types.MethodType(describe, kind)


def tidy(command: Any) -> None:
    """Plain help for one command and its subcommands (idempotent)."""
    from typer.core import TyperArgument, TyperOption

    if getattr(command, "_hamknee_tidy", False):
        return
    command._hamknee_tidy = True
    if command.epilog:
        command.epilog = examples(command.epilog)
    for param in command.params:
        if isinstance(param, TyperArgument):
            _plain_usage(param)
        elif isinstance(param, TyperOption) and not param.is_flag and param.metavar is None:
            param.metavar = _metavar(param)
        if hasattr(param.type, "_describe_range"):
            _plain_range(param.type)
    for sub in getattr(command, "commands", {}).values():
        if not sub.short_help and sub.help:  # the whole first sentence in the group's list, not cut at 45
            sub.short_help = " ".join(sub.help.split("\n\n")[0].split())
        tidy(sub)


def command_rows(group: Any, ctx: Any) -> list[tuple[str, str]]:
    """Each command with the whole first sentence of its help (click would cut it at about 45 columns)."""
    rows = []
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        summary = " ".join((command.short_help or command.help or "").split("\n\n")[0].split())
        rows.append((name, summary))
    return rows
