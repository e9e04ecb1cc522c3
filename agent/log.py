"""Log lines on stderr (journald keeps them), in the format the logging package would write.

Not the logging package: importing it brings traceback, linecache, tokenize, string and
textwrap, ~0.7 MB of RSS in a process whose footprint is the point (issue 19). The agent needs
four levels, one format and a redaction filter; this is that.

    2026-12-04 22:31:05,123 WARNING agent.runner: controller answered 503; retrying in 2.1s
"""

from __future__ import annotations

import sys
import time

LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40}
_level = LEVELS["WARNING"]  # until configure(): what logging's last-resort handler shows
_secrets: set[str] = set()


def configure(level: str) -> None:
    """Show messages at `level` and above (DEBUG, INFO, WARNING, ERROR)."""
    global _level
    _level = LEVELS[level]


def redact(secret: str) -> None:
    """Last line of defence: `secret` never reaches the log even if a message quotes it."""
    if secret:
        _secrets.add(secret)


def reset() -> None:
    """Back to the defaults (tests run main() more than once in one process)."""
    global _level
    _level = LEVELS["WARNING"]
    _secrets.clear()


class Logger:
    """The subset of `logging.Logger` the agent uses, %-style arguments included."""

    def __init__(self, name: str) -> None:
        self.name = name

    def debug(self, message: str, *args: object) -> None:
        self._write(10, "DEBUG", message, args)

    def info(self, message: str, *args: object) -> None:
        self._write(20, "INFO", message, args)

    def warning(self, message: str, *args: object) -> None:
        self._write(30, "WARNING", message, args)

    def error(self, message: str, *args: object) -> None:
        self._write(40, "ERROR", message, args)

    def exception(self, message: str, *args: object) -> None:
        """An error with the traceback of the exception being handled."""
        import traceback  # only when something went wrong

        self._write(40, "ERROR", message, args, traceback.format_exc().rstrip())

    def _write(self, level: int, label: str, message: str, args: tuple[object, ...],
               trace: str = "") -> None:
        if level < _level:
            return
        try:
            text = message % args if args else message
        except (TypeError, ValueError):
            text = f"{message} {args!r}"
        if trace:
            text = f"{text}\n{trace}"
        for secret in _secrets:
            text = text.replace(secret, "[redacted]")
        now = time.time()
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        try:
            sys.stderr.write(f"{stamp},{int(now * 1000) % 1000:03d} {label} {self.name}: {text}\n")
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):  # stderr closed or gone: nothing to tell
            pass


def get_logger(name: str) -> Logger:
    return Logger(name)
