"""What an admin sees at the command line: help, version, once --print, enroll."""

from __future__ import annotations

import json
import socket
import stat
from pathlib import Path

import pytest
from agent_helpers import ENROLL_TOKEN, FakeController, run_agent

from agent.cli import main
from agent.client import ControllerClient, InsecureURL


def test_version_and_help() -> None:
    assert run_agent("--version").stdout.strip() == "titip-agent 0.1.0"
    help_text = run_agent("--help").stdout
    for command in ("enroll", "run", "once"):
        assert command in help_text
    enroll_help = run_agent("enroll", "--help").stdout
    for option in ("--controller", "--token", "--state-dir", "--ca-file", "--allow-insecure-http"):
        assert option in enroll_help
    assert "--once-cycles" in run_agent("run", "--help").stdout


def test_once_print_prints_one_inventory_as_json() -> None:
    result = run_agent("once", "--print")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["hostname"] == socket.gethostname()
    assert record["source"] == "agent" and record["schema_version"] == 1


def test_enroll_saves_a_private_credential_and_never_logs_secrets(
        tmp_path: Path, controller: FakeController) -> None:
    state = tmp_path / "state"
    result = run_agent("enroll", "--controller", controller.url, "--token", ENROLL_TOKEN,
                       "--state-dir", str(state))
    assert result.returncode == 0, result.stderr
    assert "enrolled as agent agent-1" in result.stdout

    (credential,) = controller.credentials
    cred_file = state / "credential"
    assert cred_file.read_text().strip() == credential
    assert stat.S_IMODE(cred_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.stat().st_mode) == 0o700
    config = json.loads((state / "config.json").read_text())
    assert config["controller_url"] == controller.url and config["agent_id"] == "agent-1"
    assert credential not in (state / "config.json").read_text()
    output = result.stdout + result.stderr
    assert "DEBUG" in output or "INFO" in output  # logging was on, at its most verbose
    assert ENROLL_TOKEN not in output and credential not in output

    # the token is one-time: a second try is refused clearly and keeps the saved credential
    again = run_agent("enroll", "--controller", controller.url, "--token", ENROLL_TOKEN,
                      "--state-dir", str(state))
    assert again.returncode == 1
    assert "refused the enrollment token" in again.stderr and ENROLL_TOKEN not in again.stderr
    assert cred_file.read_text().strip() == credential


def test_enroll_reads_the_token_from_stdin(tmp_path: Path, controller: FakeController) -> None:
    result = run_agent("enroll", "--controller", controller.url + "/", "--token", "-",
                       "--state-dir", str(tmp_path / "s"), stdin=ENROLL_TOKEN + "\n")
    assert result.returncode == 0, result.stderr
    assert json.loads((tmp_path / "s" / "config.json").read_text())["controller_url"] == controller.url


@pytest.fixture
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record (and block) any outgoing connection attempt in this process."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"unexpected connection to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def test_plain_http_to_a_remote_controller_is_refused_before_connecting(
        tmp_path: Path, no_connections: list[object], capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state"
    code = main(["enroll", "--controller", "http://192.0.2.10:8080", "--token", "secret-tok",
                 "--state-dir", str(state)])
    assert code == 2
    err = capsys.readouterr().err
    assert "refusing plain http to 192.0.2.10" in err and "secret-tok" not in err
    assert no_connections == [] and not state.exists()

    with pytest.raises(InsecureURL):
        ControllerClient("http://titip.example.go.id")
    with pytest.raises(InsecureURL):
        ControllerClient("ftp://127.0.0.1/")
    for url in ("https://titip.example.go.id", "http://127.0.0.1:8000", "http://[::1]:8000",
                "http://localhost"):
        ControllerClient(url)  # accepted; nothing is sent by constructing a client
    ControllerClient("http://192.0.2.10", allow_insecure_http=True)
    assert no_connections == []


def test_run_refuses_a_config_edited_to_plain_remote_http(
        state_dir: Path, no_connections: list[object], capsys: pytest.CaptureFixture[str]) -> None:
    config = json.loads((state_dir / "config.json").read_text())
    config["controller_url"] = "http://192.0.2.10"
    (state_dir / "config.json").write_text(json.dumps(config))
    assert main(["run", "--state-dir", str(state_dir), "--once-cycles", "1"]) == 2
    assert "refusing plain http" in capsys.readouterr().err
    assert no_connections == []


def test_run_before_enroll_says_what_to_do(tmp_path: Path) -> None:
    result = run_agent("run", "--state-dir", str(tmp_path / "none"), "--once-cycles", "1")
    assert result.returncode == 2
    assert "titip-agent enroll" in result.stderr


def test_https_is_verified_and_ca_file_trusts_a_private_ca(
        tmp_path: Path, tls_controller: FakeController) -> None:
    state = tmp_path / "state"
    untrusted = run_agent("enroll", "--controller", tls_controller.url, "--token", ENROLL_TOKEN,
                          "--state-dir", str(state))
    assert untrusted.returncode == 1
    assert "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
    assert ENROLL_TOKEN in tls_controller.tokens  # the token never reached the server

    assert tls_controller.tls is not None
    trusted = run_agent("enroll", "--controller", tls_controller.url, "--token", ENROLL_TOKEN,
                        "--state-dir", str(state), "--ca-file", str(tls_controller.tls[0]))
    assert trusted.returncode == 0, trusted.stderr
    sent = run_agent("once", "--state-dir", str(state))
    assert sent.returncode == 0, sent.stderr
    assert tls_controller.kinds() == ["inventory", "heartbeat"]


def test_once_sends_and_tells_by_exit_code_whether_all_arrived(
        state_dir: Path, controller: FakeController) -> None:
    assert run_agent("once", "--state-dir", str(state_dir)).returncode == 0
    assert controller.kinds() == ["inventory", "heartbeat"]
    controller.stop()
    assert run_agent("once", "--state-dir", str(state_dir)).returncode == 1
    assert len(list((state_dir / "spool").glob("*.json"))) == 2
