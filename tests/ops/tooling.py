"""Run deploy/checks.py (what .ci/run runs) from the tests, and require the tools it needs.

With CI=true a missing tool fails the test (CI must install it: .ci/run does); elsewhere the test skips.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy/checks.py"


def load_script(relative: str):  # noqa: ANN201 - a module
    """A script of deploy/ (not a package: the image and CI run them as files) as a module."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


checks = load_script("deploy/checks.py")

TOOLS = {"k8s": ("kubectl", "kubernetes-validate"), "compose": ("compose",), "prometheus": ("promtool",),
         "metrics": ("promtool",), "dockerfile": (), "grafana": ()}


def need(check: str) -> None:
    for name in TOOLS[check]:
        try:
            checks.compose_binary() if name == "compose" else checks.tool(name)
        except checks.ToolMissing as exc:
            if os.environ.get("CI") == "true":
                pytest.fail(f"{exc}; CI must provide it", pytrace=False)
            pytest.skip(str(exc))


def run_check(check: str, *args: str, root: Path = ROOT) -> subprocess.CompletedProcess:
    need(check)
    return subprocess.run([sys.executable, str(SCRIPT), check, *args, "--root", str(root)],
                          capture_output=True, text=True, timeout=600, check=False)


def copy_repo(tmp_path: Path) -> Path:
    """The deployment files of this repository in a scratch folder, to break on purpose."""
    copy = tmp_path / "repo"
    copy.mkdir(parents=True)
    for name in ("Dockerfile", "docker-compose.yml", ".env.example", "requirements.lock"):
        shutil.copy2(ROOT / name, copy / name)
    for folder in ("k8s", "deploy"):
        shutil.copytree(ROOT / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return copy
