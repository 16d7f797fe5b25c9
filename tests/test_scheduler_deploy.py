"""The deployment files agree with the service: stop timeouts, offline model hub, hardening, health check, no data
or secrets in the image."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.config import SchedulerConfig

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "deploy" / "school-monitor.service"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key, []).append(value)
    return settings


def test_systemd_unit_waits_longer_than_the_service_and_is_hardened() -> None:
    unit = unit_settings()
    assert unit["Type"] == ["simple"] and unit["Restart"] == ["on-failure"]
    assert int(unit["TimeoutStopSec"][0]) > SchedulerConfig().stop_timeout_seconds
    assert unit["KillMode"] == ["mixed"]  # SIGTERM to monitor run only; a job's children are not cut off
    assert "HF_HUB_OFFLINE=1" in unit["Environment"]
    assert unit["User"][0] and unit["User"] != ["root"]
    assert unit["EnvironmentFile"] and unit["ExecStart"][0].endswith(" run --config /etc/school-monitor/monitor.toml")
    data_dir = next(v.split("=", 1)[1] for v in unit["Environment"] if v.startswith("MONITOR_DATA_DIR="))
    assert unit["ReadWritePaths"] == [data_dir]
    for key, value in {"ProtectSystem": "strict", "NoNewPrivileges": "yes", "PrivateTmp": "yes",
                       "ProtectHome": "yes"}.items():
        assert unit[key] == [value], key


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text(encoding="utf-8"), encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60)
    problems = [line for line in result.stderr.splitlines() if "is not executable" not in line and line.strip()]
    assert not problems, problems  # the only complaint allowed: /opt/school-monitor is not installed here


def test_dockerfile_pins_installs_runs_as_a_user_and_checks_health() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    installs = [line for line in text.splitlines() if "pip install" in line]
    assert installs and all("-c constraints.txt" in line for line in installs)
    assert "download.pytorch.org/whl/cpu torch" in text  # torch, at the constraints' version, CPU only
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r'^VOLUME \["/data"\]', text, re.M) and "MONITOR_DATA_DIR=/data" in text
    assert "HF_HUB_OFFLINE=1" in text
    health = re.search(r"^HEALTHCHECK .*\n.*127\.0\.0\.1:(\d+)/healthz", text, re.M)
    command = re.search(r'^CMD \["run", "--health-port", "(\d+)"\]', text, re.M)
    assert health and command and health.group(1) == command.group(1)


def test_dockerignore_keeps_data_and_secrets_out_of_the_image() -> None:
    ignored = set((ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".venv", ".git", "demo-data", "monitor-data", "*.env", "**/keys", "monitor.toml"} <= ignored
    copied = re.findall(r"^COPY (.+) \./", DOCKERFILE.read_text(encoding="utf-8"), re.M)
    assert all(part not in ignored for line in copied for part in line.split())
