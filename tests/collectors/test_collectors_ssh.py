"""SSH collection from real OpenSSH servers in network namespaces the tests create."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from collectors.ssh import SshTarget, collect, collect_many
from tests.support.netns import blackhole_replies
from tests.support.sshd import start_sshd


def target(address: str, key: Path, **options) -> SshTarget:
    return SshTarget(address, private_key=key.read_text(), timeout=options.pop("timeout", 8), **options)


def test_first_contact_records_the_key_then_pinned_runs_collect(ssh_hosts, client_key) -> None:
    for ns, server, name in ssh_hosts:
        first = collect(target(ns.address, client_key), known_host_key=None)
        assert first.ok, first.error
        assert first.first_contact and first.host_key.public_key == server.host_public_key
        assert first.host_key.fingerprint.startswith("SHA256:")
        inv = first.inventory
        assert inv.source == "ssh" and inv.hostname == name
        assert any(f"{ns.address}/30" in nic.addresses for nic in inv.nics)  # its own address
        assert inv.os.name and inv.os.kernel and inv.memory_bytes and inv.cpu.threads
        assert any(fs.mountpoint == "/" for fs in inv.filesystems)
        assert first.condition.uptime_seconds and first.condition.memory.total_bytes

        again = collect(target(ns.address, client_key), known_host_key=first.host_key.public_key)
        assert again.ok and not again.first_contact and again.inventory.hostname == name


def test_changed_host_key_is_refused_before_login(ssh_hosts, client_key) -> None:
    ns, genuine, _ = ssh_hosts[0]
    impostor = start_sshd(ns.address, port=2222, netns=ns.name, client_key=client_key, hostname="impostor")
    try:
        for device_type in (None, "linux"):
            result = collect(target(ns.address, client_key, port=2222, device_type=device_type),
                             known_host_key=genuine.host_public_key)
            assert not result.ok and result.inventory is None and result.outputs == {}
            finding = result.host_key_changed
            assert finding.pinned.public_key == genuine.host_public_key
            assert finding.presented.public_key == impostor.host_public_key
            assert "changed" in result.error and finding.pinned.fingerprint in result.error
        time.sleep(0.2)
        assert "Accepted publickey" not in impostor.log.read_text()  # nothing logged in, nothing run
    finally:
        impostor.stop()


def test_pinned_rsa_key_on_an_ed25519_only_server_is_refused(ssh_hosts, client_key, tmp_path) -> None:
    from tests.support.sshd import make_keypair

    ns, _, _ = ssh_hosts[1]
    rsa_public = make_keypair(tmp_path / "rsa", "rsa")
    result = collect(target(ns.address, client_key), known_host_key=rsa_public)
    assert not result.ok and result.host_key_changed and result.host_key_changed.presented is None


def test_dead_and_silent_hosts_are_reported_and_the_run_completes(ssh_hosts, client_key, spare_netns) -> None:
    pairs = [(target(ns.address, client_key, timeout=3), server.host_public_key) for ns, server, _ in ssh_hosts]
    pairs.append((target(spare_netns.address, client_key, timeout=3, id="refused"), None))
    pairs.append((target(ssh_hosts[2][0].address, client_key, port=2200, timeout=3, id="no-sshd"), None))
    start = time.monotonic()
    results = collect_many(pairs, workers=4)
    assert time.monotonic() - start < 20
    assert [r.ok for r in results] == [True, True, True, False, False]
    assert results[3].error == "connection refused (nothing listening)" and results[3].host_key is None
    assert "refused" in results[4].error


def test_unanswered_host_times_out(client_key, spare_netns) -> None:
    blackhole_replies(spare_netns)  # our own namespace drops its replies: a host that never answers
    start = time.monotonic()
    result = collect(target(spare_netns.address, client_key, timeout=1), None)
    assert not result.ok and result.error == "timed out"
    assert time.monotonic() - start < 5


def test_netmiko_device_type_linux(ssh_hosts, client_key) -> None:
    ns, server, name = ssh_hosts[2]
    result = collect(target(ns.address, client_key, device_type="linux"), known_host_key=server.host_public_key)
    assert result.ok, result.error
    assert result.inventory.hostname == name
    assert result.outputs["uname -a"].strip().startswith("Linux")
    assert result.inventory.os.kernel


def test_bad_credentials_fail_cleanly_and_secrets_stay_out(ssh_hosts, client_key, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    ns, server, _ = ssh_hosts[0]
    with_password = SshTarget(ns.address, password="Rahasia-Sekali-123", timeout=5)
    result = collect(with_password, server.host_public_key)
    assert not result.ok and result.error.startswith("authentication failed")
    keyed = target(ns.address, client_key)
    shown = repr(with_password) + repr(keyed) + json.dumps(result.to_dict()) + caplog.text
    assert "Rahasia-Sekali-123" not in shown and "PRIVATE KEY" not in shown
    assert "password='***'" in repr(with_password) and "private_key='***'" in repr(keyed)
