"""A real OpenSSH server from a private config, on loopback or in a test network namespace.

Root can run it as is (Debian's `openssh-server`); it accepts one client key
for the user running the tests, and is stopped by the PID it was started with.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SSHD = Path(os.environ.get("TITIP_SSHD", "/usr/sbin/sshd"))


@dataclass
class Sshd:
    address: str
    port: int
    pid: int
    root: Path
    host_key: Path          # the server's private host key
    host_public_key: str    # "ssh-ed25519 AAAA..." as a client would pin it
    client_key: Path        # the private key the server accepts
    user: str
    log: Path

    def stop(self) -> None:
        """End the listener and every per-connection process under it (by their PIDs)."""
        for pid in [*_descendants(self.pid), self.pid]:
            try:
                os.kill(pid, 15)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        shutil.rmtree(self.root, ignore_errors=True)


def _descendants(pid: int) -> list[int]:
    """Children, grandchildren...: sshd's per-connection monitor, its unprivileged child, sessions."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        for child in children:
            found += [child, *_descendants(child)]
    return found


def make_keypair(path: Path, kind: str = "ed25519") -> str:
    """An unencrypted key pair at `path`/`path.pub`; returns the public line without comment."""
    subprocess.run(["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "titip-test", "-f", str(path)],
                   check=True, capture_output=True)
    return " ".join(path.with_suffix(path.suffix + ".pub").read_text().split()[:2])


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return s.getsockname()[1]


def start_sshd(address: str = "127.0.0.1", port: int | None = None, netns: str | None = None,
               client_key: Path | None = None, host_key: Path | None = None,
               hostname: str | None = None) -> Sshd:
    """Start sshd on `address` (inside `netns` when given) and wait until it greets.

    Pass `host_key` to reuse a server identity (a restart), or leave it out for a
    new one (a reinstalled or impostor server). `hostname` gives it a UTS namespace
    of its own, so each test host answers `hostname` with its own name.
    """
    if not SSHD.exists():
        raise RuntimeError(f"{SSHD} not found: apt-get install openssh-server (make test does)")
    os.makedirs("/run/sshd", exist_ok=True)  # privilege separation directory sshd insists on
    root = Path(tempfile.mkdtemp(prefix="titip-sshd-"))
    if host_key is None:
        host_key = root / "host_ed25519"
        make_keypair(host_key)
    else:
        shutil.copy(host_key, root / "host_key")
        host_key = root / "host_key"
        os.chmod(host_key, 0o600)
    host_public = subprocess.run(["ssh-keygen", "-y", "-f", str(host_key)], check=True,
                                 capture_output=True, text=True).stdout.split()
    if client_key is None:
        client_key = root / "client_ed25519"
        make_keypair(client_key)
    client_public = subprocess.run(["ssh-keygen", "-y", "-f", str(client_key)], check=True,
                                   capture_output=True, text=True).stdout.strip()
    (root / "authorized_keys").write_text(client_public + "\n")
    port = port or (22 if netns else free_port(address))
    conf = root / "sshd_config"
    conf.write_text(
        f"Port {port}\nListenAddress {address}\nHostKey {host_key}\n"
        f"AuthorizedKeysFile {root / 'authorized_keys'}\nPidFile {root / 'sshd.pid'}\n"
        "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        "StrictModes no\nPermitRootLogin prohibit-password\nLogLevel INFO\nLoginGraceTime 20\n"
        "MaxStartups 200\nMaxSessions 50\n")
    log = root / "sshd.log"
    cmd = [str(SSHD), "-D", "-f", str(conf), "-E", str(log)]
    if hostname:  # unshare and sh exec in turn: the PID stays sshd's
        cmd = ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', hostname, *cmd]
    if netns:
        cmd = ["ip", "netns", "exec", netns, *cmd]  # `ip netns exec` execs too
    process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    server = Sshd(address, port, process.pid, root, host_key, " ".join(host_public[:2]), client_key,
                  pwd.getpwuid(os.geteuid()).pw_name, log)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            shutil.rmtree(root, ignore_errors=True)
            raise RuntimeError(f"sshd exited with {process.returncode}: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection((address, port), timeout=0.5) as sock:
                if sock.recv(64).startswith(b"SSH-"):
                    return server
        except OSError:
            time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"sshd on {address}:{port} did not greet within 10 s")
