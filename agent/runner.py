"""The run loop: collect, spool, deliver oldest first, back off when the controller is away.

Every report goes to the spool before any attempt to send it; delivery then
always replays the spool from the oldest file. That one path gives in-order
replay after an outage and survives a crash between collecting and sending.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

import psutil

from agent import facts, log as agent_log
from agent.client import Backoff, ClientError, ControllerClient, Rejected, Transient, Unauthorized
from agent.config import AgentConfig, NotEnrolled, load_credential
from agent.spool import Spool, utc_now_iso

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

log = agent_log.get_logger(__name__)
INVENTORY_TIMEOUT_SECONDS = 300.0


def collect_inventory_payload() -> dict[str, Any]:
    """A full inventory, collected by `titip-agent once --print` in a child process.

    An inventory needs `collectors.record`, `dataclasses`, `typing`, `pathlib`, `platform` and
    `ipaddress`, and builds its record in memory: ~3 MB the resident agent would then keep for
    good, for something it does once a day. The child takes that memory with it when it exits.
    If the child cannot run or fails, the inventory is collected here instead.
    """
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(facts.__file__)))
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": package_root + (os.pathsep + path if path else "")}
    if sys.executable:
        try:
            child = subprocess.run([sys.executable, "-m", "agent", "once", "--print"], check=False,
                                   stdin=subprocess.DEVNULL, capture_output=True, env=env,
                                   timeout=INVENTORY_TIMEOUT_SECONDS)
            if child.returncode == 0:
                payload = json.loads(child.stdout)
                if isinstance(payload, dict):
                    return payload
            log.warning("inventory child process failed (exit %s): %s; collecting in-process",
                        child.returncode, child.stderr.decode("utf-8", "replace").strip()[-500:])
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            log.warning("inventory child process failed: %s; collecting in-process", exc)
    return facts.collect_inventory().to_dict()


class Agent:
    def __init__(self, config: AgentConfig, *, client: ControllerClient | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.client = client or ControllerClient(
            config.controller_url, ca_file=config.ca_file,
            allow_insecure_http=config.allow_insecure_http, timeout=config.timeout_seconds)
        self.spool = Spool(config.spool_dir, config.spool_max_bytes)
        self.stop_event = threading.Event()
        self._clock = clock
        self._backoff = Backoff(config.backoff_base_seconds, config.backoff_max_seconds)
        self._next_attempt = 0.0
        self._inventory_due = True  # a full inventory at every start
        self._last_inventory = float("-inf")
        self._rejected_credential: str | None = None

    def stop(self) -> None:
        """Safe from a signal handler: only sets an event the loop waits on."""
        self.stop_event.set()

    def run(self, cycles: int | None = None) -> None:
        """Heartbeat every interval until stopped, or for `cycles` heartbeats (tests)."""
        psutil.cpu_percent(interval=None)  # prime: the first heartbeat then measures since start
        log.info("titip-agent started: controller %s, heartbeat every %ss, %d report(s) spooled",
                 self.config.controller_url, self.config.interval_seconds, len(self.spool))
        done = 0
        next_heartbeat = self._clock()
        while not self.stop_event.is_set():
            now = self._clock()
            if now >= next_heartbeat:
                try:
                    self.collect(now)
                except Exception:  # a fact source or a full disk must not end the reporting
                    log.exception("could not collect or spool this cycle's reports")
                done += 1
                next_heartbeat += self.config.interval_seconds
                finished = self._clock()  # an inventory (a child process) may outlast an interval
                if next_heartbeat <= finished:  # fell behind (suspend, slow disk): no catch-up burst
                    next_heartbeat = finished + self.config.interval_seconds
            if len(self.spool) and self._clock() >= self._next_attempt:
                self.deliver()
            if cycles is not None and done >= cycles:
                break
            wake = next_heartbeat if not len(self.spool) else min(next_heartbeat, self._next_attempt)
            self.stop_event.wait(max(0.0, wake - self._clock()))
        log.info("titip-agent stopped; %d report(s) left in the spool", len(self.spool))

    def collect(self, now: float) -> None:
        """Spool an inventory if one is due, then a heartbeat."""
        if self._inventory_due or now - self._last_inventory >= self.config.inventory_interval_seconds:
            self.spool.put("inventory", collect_inventory_payload())
            self._inventory_due = False
            self._last_inventory = now
        self.spool.put("heartbeat", facts.condition_payload())

    def deliver(self) -> bool:
        """Send spooled reports oldest first; stop at the first one that must wait.

        Returns True when the spool was emptied.
        """
        try:
            credential = load_credential(self.config.state_dir)
        except NotEnrolled as exc:
            log.error("%s; reports stay spooled", exc)
            self._next_attempt = self._clock() + self._backoff.cap
            return False
        inventory_requested = False
        for report in self.spool:
            if self.stop_event.is_set():
                return False
            dropped = self.spool.dropped_heartbeats if report.kind == "heartbeat" else 0
            body = {"report_id": report.report_id, "kind": report.kind, "sent_at": utc_now_iso(),
                    "payload": report.payload, "dropped_heartbeats": dropped}
            try:
                reply = self.client.send_report(credential, body)
            except Unauthorized as exc:
                if credential != self._rejected_credential:
                    log.error("%s: the agent credential was revoked or is unknown; reports keep "
                              "being spooled. Re-enroll with 'titip-agent enroll'.", exc)
                self._rejected_credential = credential
                # Slowest pace; a re-enrolled credential is read at the next attempt.
                self._next_attempt = self._clock() + self._backoff.cap
                return False
            except Transient as exc:
                delay = max(self._backoff.next_delay(), exc.retry_after or 0.0)
                log.warning("%s; %d report(s) spooled, retrying in %.1fs", exc, len(self.spool), delay)
                self._next_attempt = self._clock() + delay
                return False
            except Rejected as exc:
                log.error("dropping %s report %s: %s (it would never be accepted)",
                          report.kind, report.report_id, exc)
                self.spool.remove(report)
                continue
            except ClientError as exc:  # a protocol surprise: keep the report, try later
                log.warning("%s; retrying later", exc)
                self._next_attempt = self._clock() + self._backoff.next_delay()
                return False
            self.spool.remove(report)
            if dropped:
                self.spool.acknowledge_dropped(dropped)
            if self._rejected_credential is not None:
                log.info("controller accepts the credential again")
                self._rejected_credential = None
            self._backoff.reset()
            if report.kind == "heartbeat" and reply.get("inventory_requested"):
                inventory_requested = True
        self._next_attempt = 0.0
        if inventory_requested:
            log.info("controller requested an inventory")
            self.spool.put("inventory", collect_inventory_payload())
            self._last_inventory = self._clock()
            return self.deliver()
        return True
