"""The command-line interface: parse arguments, ask the core, hand answers to the renderer.

Commands stay thin. Every expected failure is a ``HamkneeError`` raised by the core; ``HamkneeGroup``
turns it into one line on stderr and its exit code, so no traceback reaches a student.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from hamknee import __version__
from hamknee.errors import ExitCode, HamkneeError, InvalidKnowledgeBase

if TYPE_CHECKING:
    from rich.console import Console, RenderableType

    from hamknee.kb import KnowledgeBase
    from hamknee.pager import PagedStream


# Each command lives in a module with its own Typer app; only the module of the command being run is
# imported and built, so start-up does not grow with the number of commands.
COMMANDS: dict[str, str] = {
    "explain": "hamknee.commands_lookup",
    "muscles": "hamknee.commands_lookup",
    "conditions": "hamknee.commands_lookup",
    "phases": "hamknee.commands_lookup",
    "list": "hamknee.commands_lookup",
    "compare": "hamknee.commands_lookup",
    "search": "hamknee.commands_lookup",
    "path": "hamknee.commands_chain",
    "why": "hamknee.commands_chain",
    "where": "hamknee.commands_chain",
    "diagram": "hamknee.commands_chain",
    "quiz": "hamknee.commands_study",
    "stats": "hamknee.commands_study",
    "export": "hamknee.commands_study",
    "sources": "hamknee.commands_lookup",
    "validate": "hamknee.commands_lookup",
    "schema": "hamknee.commands_lookup",
}


class HamkneeGroup(TyperGroup):
    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        for number, arg in enumerate(args, 1):
            if "\x00" in arg:
                # No file name, term or option can hold a NUL byte (the OS refuses it in paths): say so
                # before any part of the command tries to use it.
                from hamknee.errors import safe_text

                sys.stderr.write(f"Error: argument {number} ({safe_text(arg)!r}) contains a NUL byte, which no "
                                 "file name or term can hold.\n")
                raise typer.Exit(int(ExitCode.USAGE))
        return super().make_context(info_name, args, parent, **extra)

    def _load(self, module_name: str, only: str | None = None) -> None:
        module = importlib.import_module(module_name)
        commands: typer.Typer = module.app
        for info in commands.registered_commands if only else ():
            callback_name = info.callback.__name__ if info.callback else ""
            if (info.name or callback_name.lower().replace("_", "-")) == only:
                # Build just this command: typer evaluates every parameter of what it builds.
                single = typer.Typer(add_completion=False, rich_markup_mode=None)
                single.registered_commands.append(info)
                self.commands[only] = typer.main.get_command(single)
                return
        built = typer.main.get_command(commands)
        self.commands.update(getattr(built, "commands", {}))

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            self._load(COMMANDS[cmd_name], only=cmd_name)
        command = self.commands.get(cmd_name)
        if command is not None:
            from hamknee.helptext import tidy

            tidy(command)
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in COMMANDS:
            for module_name in dict.fromkeys(COMMANDS.values()):  # every name, for "did you mean"
                self._load(module_name)
        found = super().resolve_command(ctx, args)
        state.command = found[0]
        options = args[1:args.index("--")] if "--" in args else args[1:]
        state.json = "--json" in options
        return found

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:
            # A bare `hamknee` is a request for help, not a mistake.
            from hamknee.helptext import tidy

            tidy(self)
            typer.echo(ctx.get_help())
            ctx.exit(0)
        from hamknee.helptext import as_help, hoist_global_options

        return super().parse_args(ctx, as_help(hoist_global_options(args, COMMANDS), COMMANDS))

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from hamknee.helptext import tidy

        tidy(self)
        super().format_help(ctx, formatter)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        from hamknee.helptext import command_rows

        rows = [*command_rows(self, ctx),
                ("help", "The help of a command: hamknee help explain is hamknee explain --help.")]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: Any) -> Any:
        try:
            return self._invoke(ctx)
        finally:
            finish_output()

    def _invoke(self, ctx: Any) -> Any:
        from typer._click.exceptions import UsageError

        try:
            return super().invoke(ctx)
        except HamkneeError as exc:
            report(exc)
            raise typer.Exit(int(exc.exit_code)) from None
        except UsageError as exc:
            if state.json:  # a script asked for JSON: it gets an object to read, and the same exit code
                emit_json({"error": exc.format_message()})
            raise
        except KeyboardInterrupt:
            state.interrupted = True
            err().print("Interrupted.")
            raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
        except OSError as exc:
            code = output_failed(exc)
            if code is None:
                raise
            raise typer.Exit(code) from None


def output_failed(exc: OSError, quiet: bool = False) -> int | None:
    """Exit code for output that cannot be written (closed pipe, full disk), after at most one line on stderr
    (none when ``quiet``: the caller said it).

    None when the error is not about writing output.
    """
    import contextlib
    import errno

    if exc.errno == errno.EPIPE:  # the reader went away (`| head`): nothing to say
        code = int(ExitCode.OK)
    elif exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
        if not quiet:
            with contextlib.suppress(OSError):
                sys.stderr.write(f"Error: cannot write output: {exc.strerror or exc}.\n")
                sys.stderr.flush()
        code = int(ExitCode.CANNOT_WRITE)
    else:
        return None
    # Point stdout at the null device so the interpreter's flush at exit cannot fail a second time.
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return code


app = typer.Typer(
    cls=HamkneeGroup,
    name="hamknee",
    help="A study reference: how a hamstring injury causes knee pain. Look up, compare, follow the chain, drill.",
    epilog="Examples:  hamknee explain pes-anserine  ·  hamknee explain pes anserine bursitis --brief  ·  "
           "hamknee why medial knee pain  ·  hamknee where behind the knee  ·  hamknee search lump behind knee  ·  "
           "hamknee muscles --attachments  ·  hamknee quiz",
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


class _State:
    kb_option: str | None = None
    kb: KnowledgeBase | None = None
    out: Console | None = None
    err: Console | None = None
    no_pager: bool = False
    command: str | None = None
    paged: PagedStream | None = None
    json: bool = False  # the command was asked for JSON: its errors are JSON objects on stdout too
    interrupted: bool = False  # an interrupt was reported on stderr already


# Interactive or file-writing commands never go through a pager.
UNPAGED = frozenset({"quiz", "export", "schema"})


state = _State()


def out() -> Console:
    if state.out is None:
        from hamknee.console import make_console

        state.out = make_console()
        # rich exits with status 1 on a closed pipe; hand it to output_failed, which ends quietly with 0.
        state.out.on_broken_pipe = _pipe_closed  # type: ignore[method-assign]
        if not state.no_pager and state.command not in UNPAGED:
            from hamknee.pager import paged

            state.paged = paged(sys.stdout, state.out.size.height)
            if state.paged is not None:
                state.out.file = state.paged  # type: ignore[assignment]
    return state.out


def _pipe_closed() -> None:
    import errno

    raise BrokenPipeError(errno.EPIPE, "the reader closed the pipe")


def finish_output() -> None:
    """Hand the held first screen to the terminal, or wait until the reader leaves the pager."""
    paged, state.paged = state.paged, None
    if paged is not None:
        paged.finish()


def terminal() -> bool:
    """Whether stdout is read by a person (a terminal): listings are laid out, else one record a line."""
    return out().is_terminal


def err() -> Console:
    if state.err is None:
        from hamknee.console import make_console

        state.err = make_console(stderr=True)
    return state.err


# Problems that say the file could not be read at all, not what is wrong inside it.
UNREADABLE = ("file not found", "is a directory", "cannot read")


def report(exc: HamkneeError) -> None:
    """The error on stderr, and as a JSON object on stdout when the command was asked for JSON."""
    from hamknee.errors import NotFoundError

    console = err()
    if isinstance(exc, NotFoundError) and state.kb is not None and not exc.offers:
        exc.offers = state.kb.alternatives(exc.term, exc.suggestions, exc.kinds)
    if state.json:
        emit_json(exc.as_json() if isinstance(exc, NotFoundError) else
                  {"error": exc.message, "hint": exc.hint} if exc.hint else {"error": exc.message})
    if isinstance(exc, InvalidKnowledgeBase) and len(exc.problems) == 1 and exc.problems[0].message.startswith(
            UNREADABLE):
        lines = [f"Error: {exc.problems[0].format(exc.file)}."]  # nothing in it to fix: one message, not two
    elif isinstance(exc, InvalidKnowledgeBase):
        lines = [*exc.lines(), f"Error: {exc}"]
    elif isinstance(exc, NotFoundError):
        lines = exc.lines()
    else:
        lines = [f"Error: {exc}"]
    for line in lines:
        if console.is_terminal:  # a person reads it: wrap between words, not inside them
            from rich.text import Text

            from hamknee.layout import Wrapped

            lead = len(line) - len(line.lstrip())  # an indented item wraps under its own text
            console.print(Wrapped(line[:lead], Text(line[lead:]), indent=lead + 2 if lead else 0), crop=False)
        else:  # a log or a script: one message a line
            console.print(line, markup=False, highlight=False, soft_wrap=True)


def kb_path() -> Path:
    from hamknee.paths import selected_kb

    return selected_kb(state.kb_option)


def get_kb() -> KnowledgeBase:
    if state.kb is None:
        from hamknee.kb import open_kb

        state.kb = open_kb(kb_path())
        state.kb.on_note = note
    return state.kb


def note(message: str) -> None:
    """One line on stderr beside the output (how a lookup was understood, where to look next)."""
    console = err()
    # Read by a script or a log: one unwrapped line, with no padding at its end.
    console.print(message, markup=False, highlight=False, style="dim", soft_wrap=not console.is_terminal)


def show(renderable: RenderableType, measure: bool = False) -> None:
    """Print a renderable; ``measure`` keeps prose at a readable line length on wide terminals."""
    console = out()
    if measure:
        from hamknee.layout import MEASURE

        console.print(renderable, width=min(console.width, MEASURE), crop=False)
    else:
        console.print(renderable, crop=False)


def show_lines(lines: Any) -> None:
    """Write tab-separated records one a line, as they come (no wrapping, padding or tab expansion)."""
    stream = out().file
    for line in lines:
        stream.write(line + "\n")


def emit_json(data: Any) -> None:
    import json

    from hamknee.sanitize import json_safe

    sys.stdout.write(json_safe(json.dumps(data, indent=2, ensure_ascii=False)) + "\n")


def complete_term(incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for TERM arguments: entity ids with their names."""
    try:
        kb = get_kb()
        return [(e["id"], e["name"]) for e in kb.catalog() if e["id"].startswith(incomplete)][:200]
    except Exception:  # completion must never print a traceback into the shell
        return []


def complete_region(incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for a region: region ids with their names."""
    try:
        kb = get_kb()
        return [(e["id"], e["name"]) for e in kb.catalog("region") if e["id"].startswith(incomplete)]
    except Exception:  # completion must never print a traceback into the shell
        return []


def complete_kind(incomplete: str) -> list[str]:
    """Shell completion for a kind of entry."""
    from hamknee.vocab import KINDS

    return [k for k in KINDS if k.startswith(incomplete)]


def complete_topic(incomplete: str) -> list[tuple[str, str]]:
    """Shell completion for a quiz topic: a kind, then entry ids."""
    return [(k, "every entry of this kind") for k in complete_kind(incomplete)] + complete_term(incomplete)


def complete_qtype(incomplete: str) -> list[str]:
    """Shell completion for a question type."""
    from hamknee.study.cards import QTYPES

    return [q for q in QTYPES if q.startswith(incomplete)]


def _version(value: bool) -> None:
    if value:
        sys.stdout.write(f"hamknee {__version__}\n")
        raise typer.Exit()


def _close() -> None:
    if state.kb is not None:
        state.kb.close()


@app.callback()
def main(
    ctx: typer.Context,
    kb: Annotated[
        str | None,
        typer.Option("--kb", metavar="PATH", help="Knowledge base YAML file to use (default: the shipped one).",
                     envvar="HAMKNEE_KB", show_envvar=True),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", "-V", help="Show the version and exit.", callback=_version, is_eager=True)
    ] = False,
    no_pager: Annotated[
        bool, typer.Option("--no-pager", help="Print long output straight to the terminal, without a pager "
                                              "($HAMKNEE_PAGER, $PAGER or less).")
    ] = False,
) -> None:
    """hamknee: how a hamstring injury causes knee pain, as a study reference for the terminal.

    Exit codes: 0 ok, 1 not found, 2 usage error, 3 invalid knowledge base, 4 cannot write a file,
    5 study database problem, 130 interrupted.
    """
    state.kb_option = kb
    state.no_pager = no_pager
    state.kb = None
    ctx.call_on_close(_close)
    state.out = None
    state.err = None


JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of formatted text.")]
TermArg = Annotated[str, typer.Argument(help="An id, name or alias, e.g. 'pes-anserine' or 'goose foot'.",
                                        autocompletion=complete_term, show_default=False, metavar="TERM")]


class _BidiSafe:
    """Standard error with BiDi controls shown as escapes, whoever writes it (the argument parser echoes an
    unknown option or argument as typed, where it would display reordered)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        from hamknee.sanitize import without_bidi

        return int(self._stream.write(without_bidi(text)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def run(argv: list[str]) -> int:
    """Entry point of the console script: exit codes, closed pipes and Ctrl-C handled here."""
    import contextlib

    if sys.stderr is None:  # started with standard error closed (2>&-): errors go nowhere, but nothing breaks
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    if sys.stdout is None:  # started with standard output closed (>&-): say so rather than fail inside a command
        sys.stderr.write("Error: cannot write output: standard output is closed. Run the command without >&-.\n")
        return int(ExitCode.CANNOT_WRITE)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    sys.stderr = _BidiSafe(sys.stderr)  # type: ignore[assignment]
    state.interrupted = False
    code: int
    try:
        app(args=argv, prog_name="hamknee")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if code == ExitCode.INTERRUPTED and not state.interrupted:
            # Interrupted while the arguments were parsed or the command's context closed, where the
            # argument parser turns the interrupt into its exit code without a word.
            sys.stderr.write("Interrupted.\n")
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        code = int(ExitCode.INTERRUPTED)
    except OSError as exc:  # eager options such as --help write before any command runs
        failed = output_failed(exc)
        if failed is None:
            raise
        return failed
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): silence the interpreter's own flush at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return code
    except OSError as exc:
        sys.stderr.write(f"Error: cannot write output: {exc.strerror or exc}.\n")
        return int(ExitCode.CANNOT_WRITE)
    return code

