"""The titip_controller role, run for real with `ansible-playbook -c local` into a temporary root.

It installs the controller from wheels of this checkout into a fresh venv (`--no-index`:
nothing is downloaded), migrates a new database on the session's PostgreSQL cluster, writes
the config, the hardened unit and the Prometheus scrape job, and changes nothing on a second
run. The installed controller is then started the way its unit says and answers /healthz and,
with the token Prometheus was given, /metrics. systemd itself is left out (no service here).
"""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import shutil
import stat
import subprocess
import sys
import time
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from ansible_helpers import ANSIBLE_DIR, recap, run_playbook
from sqlalchemy import create_engine, text

from tests.support.controller import stop_process
from tests.support.postgres import Postgres, free_port

ROLE = ANSIBLE_DIR / "roles" / "titip_controller"
REPO = ANSIBLE_DIR.parent
SECRET = "role-test-secret-key-0123456789abcdef"
TOKEN = "role-test-metrics-token-42"
DEBIAN_PROMETHEUS_YML = Path("/etc/prometheus/prometheus.yml")
VENV_DIR, CONFIG_DIR, DATA_DIR = "/opt/titip", "/etc/titip", "/var/lib/titip"
UNIT = "etc/systemd/system/titip-controller.service"

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="the role gives root the config and the unit (chown needs root)")


def write_playbook(directory: Path) -> Path:
    path = directory / "controller.yml"
    path.write_text("- name: Titip controller into a temporary root\n  hosts: localhost\n"
                    f"  gather_facts: false\n  roles:\n    - role: {ROLE}\n")
    return path


def role_vars(root: Path, database_url: str, port: int, wheelhouse: tuple[Path, str],
              prometheus_yml: Path) -> dict[str, Any]:
    """A test install: temp root, the current user, no systemd, no PostgreSQL install, no index."""
    wheels, version = wheelhouse
    group = grp.getgrgid(os.getgid()).gr_name
    return {
        "titip_controller_root": str(root),
        "titip_controller_secret_key": SECRET,
        "titip_controller_metrics_token": TOKEN,
        "titip_controller_version": version,
        "titip_controller_pip_extra_args": f"--no-index --find-links {wheels}",
        "titip_controller_python": sys.executable,
        "titip_controller_os_packages": [],
        "titip_controller_create_user": False,
        "titip_controller_system_user": pwd.getpwuid(os.getuid()).pw_name,
        "titip_controller_system_group": group,
        "titip_controller_manage_postgresql": False,
        "titip_controller_database_url": database_url,
        "titip_controller_manage_service": False,
        "titip_controller_port": port,
        "titip_controller_settings": {"office_name": "Diskominfo Kota Contoh", "inventory_day": 2},
        "titip_controller_prometheus_config": str(prometheus_yml),
        "titip_controller_prometheus_token_file": str(root / "etc/prometheus/titip-metrics-token"),
        "titip_controller_prometheus_rules_dir": str(root / "etc/prometheus/rules"),
        "titip_controller_prometheus_group": group,
        "titip_controller_promtool": shutil.which("promtool") or "/usr/bin/promtool",
        "titip_controller_prometheus_reload": False,
    }


@pytest.fixture
def database(postgres: Postgres) -> str:
    """A new, empty database on the session's cluster (no tables: the role migrates it)."""
    name = f"role_{uuid.uuid4().hex[:10]}"
    engine = create_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    engine.dispose()
    return postgres.url(name)


@pytest.fixture
def prometheus_yml(tmp_path: Path) -> Path:
    """Debian's prometheus.yml (or a minimal one) inside the root, for the role to add to."""
    target = tmp_path / "root" / "etc" / "prometheus" / "prometheus.yml"
    target.parent.mkdir(parents=True)
    if DEBIAN_PROMETHEUS_YML.exists():
        shutil.copy(DEBIAN_PROMETHEUS_YML, target)
    else:
        target.write_text("global:\n  scrape_interval: 15s\nscrape_configs:\n  - job_name: prometheus\n"
                          "    static_configs:\n      - targets: ['localhost:9090']\n")
    return target


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def unit_settings(unit: Path) -> dict[str, list[str]]:
    """`Key=value` lines of a unit file, each key's values in order."""
    found: dict[str, list[str]] = {}
    for line in unit.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            found.setdefault(key, []).append(value)
    return found


def start_as_the_unit_would(root: Path, unit: dict[str, list[str]], log: Path) -> subprocess.Popen:
    """Run the unit's ExecStart (paths under `root`) with its environment and working directory."""
    argv = shlex.split(unit["ExecStart"][0])
    argv[0] = str(root) + argv[0]
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(log.parent)}
    for assignment in unit["Environment"]:
        key, value = assignment.split("=", 1)
        env[key] = str(root) + value if key == "TITIP_CONFIG_FILE" else value
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=env, cwd=str(root) + unit["WorkingDirectory"][0],
                                stdout=out, stderr=subprocess.STDOUT)


def wait_healthy(proc: subprocess.Popen, url: str, log: Path, timeout: float = 60) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the installed controller exited with {proc.returncode}:\n{log.read_text()}")
        try:
            response = httpx.get(f"{url}/healthz", timeout=2)
            if response.status_code == 200:
                return response
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"the installed controller did not answer /healthz in {timeout} s:\n{log.read_text()}")


def stop(proc: subprocess.Popen) -> None:
    stop_process(proc, timeout=15)


@pytest.fixture
def running() -> Iterator[list[subprocess.Popen]]:
    """Processes the test starts; each is stopped by its PID afterwards, whatever happened."""
    procs: list[subprocess.Popen] = []
    yield procs
    for proc in procs:
        stop(proc)


def test_role_installs_migrates_configures_and_the_controller_serves(
        tmp_path: Path, database: str, prometheus_yml: Path,
        controller_wheelhouse: tuple[Path, str], running: list[subprocess.Popen]) -> None:
    from controller.migrate import current_and_head

    root, home = tmp_path / "root", tmp_path / "ansible"
    port = free_port()
    variables = role_vars(root, database, port, controller_wheelhouse, prometheus_yml)
    playbook = write_playbook(tmp_path)
    assert current_and_head(database)[0] is None                       # an empty database

    first = run_playbook(playbook, variables, home)
    output = first.stdout + first.stderr
    assert first.returncode == 0, output[-6000:]
    assert recap(first.stdout)["changed"] > 0
    assert SECRET not in output and TOKEN not in output, "a secret leaked into Ansible's output"

    # Installed from the wheels into its own venv (not this checkout, not the test venv).
    venv = root / VENV_DIR.lstrip("/")
    where = subprocess.run([str(venv / "bin" / "python"), "-I", "-c",   # -I: not from the cwd
                            "import controller, sys; print(controller.__file__); print(sys.prefix)"],
                           capture_output=True, text=True, timeout=60)
    assert where.returncode == 0, where.stderr
    module, prefix = where.stdout.split()
    assert Path(module).is_relative_to(venv) and Path(prefix) == venv, where.stdout
    version = subprocess.run([str(venv / "bin" / "titip"), "version"], capture_output=True, text=True)
    assert version.stdout.strip() == controller_wheelhouse[1]

    # The migrations ran: the database is at the newest revision.
    current, head = current_and_head(database)
    assert current == head and current is not None

    # The config: the service's group may read it, nobody else; it holds what was asked for.
    config_dir, config = root / CONFIG_DIR.lstrip("/"), root / CONFIG_DIR.lstrip("/") / "controller.toml"
    gid = grp.getgrnam(variables["titip_controller_system_group"]).gr_gid
    assert (mode(config_dir), config_dir.stat().st_uid, config_dir.stat().st_gid) == (0o750, 0, gid)
    assert (mode(config), config.stat().st_uid, config.stat().st_gid) == (0o640, 0, gid)
    assert tomllib.loads(config.read_text())["titip"] == {
        "database_url": database, "secret_key": SECRET, "metrics_token": TOKEN,
        "timezone": "Asia/Jakarta", "office_name": "Diskominfo Kota Contoh", "inventory_day": 2}
    data = root / DATA_DIR.lstrip("/")
    assert mode(data) == 0o750 and data.stat().st_uid == os.getuid()

    # The unit: hardened, runs the installed `titip serve` on the asked port, holds no secret.
    unit_file = root / UNIT
    assert mode(unit_file) == 0o644
    unit = unit_settings(unit_file)
    assert unit["ExecStart"] == [f"{VENV_DIR}/bin/titip serve --host 127.0.0.1 --port {port} --workers 2"]
    assert unit["Environment"] == [f"TITIP_CONFIG_FILE={CONFIG_DIR}/controller.toml"]
    assert unit["User"] == [variables["titip_controller_system_user"]]
    assert unit["Group"] == [variables["titip_controller_system_group"]]
    assert unit["WorkingDirectory"] == unit["ReadWritePaths"] == [DATA_DIR]
    assert unit["StateDirectory"] == ["titip"]
    assert unit["After"] == ["network-online.target"]           # no local PostgreSQL to wait for
    for key, value in (("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"), ("PrivateTmp", "yes"),
                       ("ProtectHome", "yes"), ("PrivateDevices", "yes"), ("CapabilityBoundingSet", ""),
                       ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"), ("UMask", "0027")):
        assert unit[key] == [value], f"{key}={value} missing from the unit: {unit.get(key)}"
    assert SECRET not in unit_file.read_text() and TOKEN not in unit_file.read_text()

    # Prometheus: the job scrapes this controller with the token file; the rest of the file stays.
    prometheus = yaml.safe_load(prometheus_yml.read_text())
    [job] = [j for j in prometheus["scrape_configs"] if j["job_name"] == "titip"]
    assert job["static_configs"] == [{"targets": [f"127.0.0.1:{port}"]}]
    token_file = Path(variables["titip_controller_prometheus_token_file"])
    assert job["authorization"] == {"type": "Bearer", "credentials_file": str(token_file)}
    assert any(j["job_name"] == "prometheus" for j in prometheus["scrape_configs"])
    rules = root / "etc" / "prometheus" / "rules" / "titip-alerts.yml"
    assert prometheus["rule_files"] == [str(rules)]
    assert rules.read_text() == (REPO / "dashboards" / "alerts.yml").read_text()
    assert token_file.read_text() == TOKEN + "\n" and mode(token_file) == 0o640
    check = subprocess.run([variables["titip_controller_promtool"], "check", "config", str(prometheus_yml)],
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr

    # The installed controller starts as its unit says and serves what an operator looks at.
    log = tmp_path / "controller.log"
    proc = start_as_the_unit_would(root, unit, log)
    running.append(proc)
    url = f"http://127.0.0.1:{port}"
    assert wait_healthy(proc, url, log).json()["version"] == controller_wheelhouse[1]
    scrape_url = f"{job['scheme']}://{job['static_configs'][0]['targets'][0]}{job['metrics_path']}"
    assert httpx.get(scrape_url, timeout=30).status_code == 401          # the token is asked for
    scrape = httpx.get(scrape_url, timeout=30,
                       headers={"Authorization": f"Bearer {token_file.read_text().strip()}"})
    assert scrape.status_code == 200, scrape.text
    assert "titip_rack_units" in scrape.text
    stop(proc)

    # A second run finds everything in place, including what the controller wrote while running.
    second = run_playbook(playbook, variables, home)
    assert second.returncode == 0, (second.stdout + second.stderr)[-6000:]
    assert recap(second.stdout)["changed"] == 0, second.stdout[-6000:]
