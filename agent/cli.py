"""Command line: `titip-agent enroll | run | once`.

Exit codes: 0 done, 1 the controller or network said no, 2 bad usage or not enrolled.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys

from agent import __version__, facts, log as agent_log
from agent.client import ClientError, ControllerClient, InsecureURL, Rejected, Unauthorized, check_urls
from agent.config import DEFAULT_STATE_DIR, AgentConfig, NotEnrolled, load_config, save_config, save_credential

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is ~0.4 MB of RSS the resident agent does without
    from collections.abc import Sequence

    from agent.runner import Agent

log = agent_log.get_logger("agent")

DESCRIPTION = """\
Titip agent: reports this server's inventory (hardware, OS, disks, filesystems,
NICs) and condition (CPU, memory, disk use, temperatures, fans, links) to the
Titip controller of the server room where it is in custody.

  1. titip-agent enroll --controller https://titip.example.go.id --token TOKEN
  2. titip-agent run          (normally started by systemd: titip-agent.service)

Reports that cannot be sent wait in STATE_DIR/spool and are replayed in order."""




def _terminal_columns() -> int:
    """`shutil.get_terminal_size().columns`, without shutil (it brings bz2 and lzma, ~0.5 MB)."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Width:
    """argparse's formatters import shutil for the width on every add_argument; give it."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position,  # type: ignore[call-arg]
                         _terminal_columns() - 2 if width is None else width)


class _Formatter(_Width, argparse.HelpFormatter):
    pass


class _RawFormatter(_Width, argparse.RawDescriptionHelpFormatter):
    pass


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="titip-agent", description=DESCRIPTION, formatter_class=_RawFormatter)
    parser.add_argument("--version", action="version", version=f"titip-agent {__version__}")
    parser.add_argument("--log-level", default="INFO",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"], help="default: INFO")
    # prog given: argparse would otherwise build a help formatter, which imports shutil (~0.5 MB).
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                     prog=parser.prog)

    state = argparse.ArgumentParser(add_help=False, formatter_class=_Formatter)
    state.add_argument("--state-dir", default=DEFAULT_STATE_DIR, metavar="DIR",
                       help=f"where the credential, config.json and spool/ live "
                            f"(default: {DEFAULT_STATE_DIR})")

    enroll = commands.add_parser(
        "enroll", parents=[state], formatter_class=_Formatter,
        help="register this server with the controller",
        description="Trade a one-time enrollment token (issued by a Titip admin) for this "
                    "agent's own credential, saved with mode 0600 in the state directory. "
                    "Run it as the user the service runs as (titip-agent). Enrolling again "
                    "replaces the credential; a running agent picks it up.")
    enroll.add_argument("--controller", required=True, metavar="URL",
                        help="controller base URL, e.g. https://titip.example.go.id; several, "
                             "comma-separated, to fail over between controllers")
    enroll.add_argument("--token", required=True, metavar="ONE_TIME_TOKEN",
                        help="the enrollment token; '-' reads it from standard input so it "
                             "does not show in the process list")
    enroll.add_argument("--ca-file", metavar="FILE",
                        help="PEM CA bundle to verify the controller's certificate with "
                             "(instead of the system CAs), for a private CA")
    enroll.add_argument("--allow-insecure-http", action="store_true",
                        help="allow plain http to a non-loopback controller (the credential "
                             "then crosses the network unencrypted; for labs only)")

    run = commands.add_parser(
        "run", parents=[state], formatter_class=_Formatter,
        help="report until stopped (what the service runs)",
        description="Send a full inventory at start, daily and when the controller asks, "
                    "and a heartbeat every interval. Stops cleanly on SIGTERM.")
    run.add_argument("--interval", type=float, metavar="SECONDS",
                     help="seconds between heartbeats (default: config.json, else 60)")
    run.add_argument("--once-cycles", type=int, metavar="N",
                     help="stop after N heartbeat cycles (for tests and debugging)")

    once = commands.add_parser(
        "once", parents=[state], formatter_class=_Formatter,
        help="collect once: print it, or send it and exit",
        description="With --print, print one inventory record as JSON (nothing is sent; no "
                    "enrollment needed). Without it, send an inventory and a heartbeat plus "
                    "anything spooled, and exit 0 only if all were delivered.")
    once.add_argument("--print", action="store_true", dest="print_only",
                      help="print the inventory record as JSON on stdout and exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    agent_log.configure(args.log_level)
    try:
        if args.command == "enroll":
            return _enroll(args)
        if args.command == "run":
            return _run(args)
        return _once(args)
    except NotEnrolled as exc:
        log.error("%s", exc)
        return 2


def _enroll(args: argparse.Namespace) -> int:
    try:
        url = check_urls(args.controller, args.allow_insecure_http)
    except InsecureURL as exc:
        log.error("%s", exc)
        return 2
    token = sys.stdin.readline().strip() if args.token == "-" else args.token
    if not token:
        log.error("empty enrollment token")
        return 2
    agent_log.redact(token)
    ca_file = os.path.realpath(args.ca_file) if args.ca_file else None
    if ca_file and not os.path.isfile(ca_file):
        log.error("CA file %s does not exist", ca_file)
        return 2
    hostname = socket.gethostname()
    try:
        enrollment = ControllerClient(url, ca_file=ca_file,
                                      allow_insecure_http=args.allow_insecure_http).enroll(
            token, hostname, __version__)
    except (Unauthorized, Rejected) as exc:
        if isinstance(exc, Rejected) and exc.status != 403:
            log.error("enrollment failed: %s", exc)
        else:
            log.error("the controller refused the enrollment token (unknown, expired or "
                      "already used); ask an admin for a new one")
        return 1
    except ClientError as exc:  # unreachable, TLS failure, 5xx, odd reply
        log.error("enrollment failed: %s", exc)
        return 1
    agent_log.redact(enrollment.credential)
    try:
        config = load_config(args.state_dir)  # keep knobs an admin tuned
    except NotEnrolled:
        config = AgentConfig(controller_url=url, state_dir=args.state_dir)
    config.controller_url, config.ca_file = url, ca_file
    config.allow_insecure_http, config.agent_id = args.allow_insecure_http, enrollment.agent_id
    save_credential(args.state_dir, enrollment.credential)
    save_config(config)
    log.info("enrolled %s as agent %s with %s", hostname, enrollment.agent_id, url)
    print(f"enrolled as agent {enrollment.agent_id}; credential saved to {config.credential_path}")
    return 0


def _agent(args: argparse.Namespace, interval: float | None = None) -> Agent:
    from agent.runner import Agent  # keeps `once --print` light

    config = load_config(args.state_dir)
    if interval is not None:
        config.interval_seconds = interval
    return Agent(config)


def _run(args: argparse.Namespace) -> int:
    if args.interval is not None and args.interval <= 0:
        log.error("--interval must be positive")
        return 2
    if args.once_cycles is not None and args.once_cycles < 1:
        log.error("--once-cycles must be at least 1")
        return 2
    try:
        agent = _agent(args, args.interval)
    except (InsecureURL, OSError) as exc:  # e.g. config edited to plain http, missing CA file
        log.error("cannot start: %s", exc)
        return 2
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: agent.stop())
    agent.run(cycles=args.once_cycles)
    return 0


def _once(args: argparse.Namespace) -> int:
    if args.print_only:  # also how `run` collects its inventories, in a child process
        json.dump(facts.collect_inventory().to_dict(), sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    try:
        agent = _agent(args)
    except (InsecureURL, OSError) as exc:
        log.error("cannot start: %s", exc)
        return 2
    agent.run(cycles=1)
    return 0 if len(agent.spool) == 0 else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
