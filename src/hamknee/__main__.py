"""Entry point: ``python -m hamknee`` and the ``hamknee`` console script."""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType

_INTERRUPTED = 130  # ExitCode.INTERRUPTED, without importing hamknee.errors before the handler is in place


def _end_at_once(signum: int, frame: FrameType | None) -> None:
    # Ctrl-C while Python itself imports, before any code of hamknee can catch it: nothing has been written
    # or saved yet, so the process ends here with the same line and code as an interrupted command.
    os.write(2, b"Interrupted.\n")
    os._exit(_INTERRUPTED)


def _on_interrupt(handler: signal._HANDLER) -> None:
    # Not contextlib.suppress: importing contextlib first would leave the interrupt unhandled for longer.
    try:  # noqa: SIM105
        signal.signal(signal.SIGINT, handler)
    except (ValueError, OSError):  # not the main thread, or no signals here
        pass


# Installed as soon as the console script imports this module, so that an interrupt between here and the
# try block in ``main`` does not end in a traceback; not in a program that only imports it (a test runner
# keeps its own Ctrl-C).
if signal.getsignal(signal.SIGINT) is signal.default_int_handler and (
        __name__ == "__main__" or os.path.basename(sys.argv[0] if sys.argv else "").startswith("hamknee")):
    _on_interrupt(_end_at_once)


def main() -> int:
    import gc

    previous = signal.getsignal(signal.SIGINT)
    if previous is _end_at_once:
        _on_interrupt(signal.default_int_handler)  # from here on an interrupt is a KeyboardInterrupt we catch
    try:
        try:
            # One command a process: what the imports build (typer, rich, the command's modules) lives until
            # the process ends, so the cyclic collector is spared walking it while it is built, and after.
            gc.disable()
            try:
                from hamknee.cli import run
            finally:
                gc.freeze()
                gc.enable()
            return run(sys.argv[1:])
        except KeyboardInterrupt:
            # Anywhere outside a command (importing the CLI, setting up its streams, the last flush).
            os.write(2, b"Interrupted.\n")
            return _INTERRUPTED
    finally:
        # The command is done and its files closed: the full collection the interpreter makes on the way out
        # (13 ms, a sixth of a lookup) would free nothing that the end of the process does not.
        gc.freeze()
        if previous is _end_at_once:
            # The command is over and its output flushed: an interrupt while the interpreter shuts down
            # changes nothing, and must not print a traceback.
            _on_interrupt(signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())
