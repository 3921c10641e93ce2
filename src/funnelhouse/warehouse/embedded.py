"""The embedded warehouse: a PostgreSQL 16 server run from the pgserver wheel.

Only used when FUNNELHOUSE_WAREHOUSE_URL is not set. The server listens on
127.0.0.1 only, with a generated password kept in a 0600 state file under
the funnelhouse home. Start and stop are idempotent.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from funnelhouse import settings

SUPERUSER = "funnelhouse"
DATABASES = ("funnelhouse", "airflow")
SERVER_OS_USER = "funnelhouse-pg"  # PostgreSQL refuses to run as root


class WarehouseError(RuntimeError):
    pass


@dataclass(frozen=True)
class EmbeddedState:
    port: int
    password: str
    bi_password: str
    bin_dir: str

    def url(self, database: str = "funnelhouse", user: str = SUPERUSER, password: str | None = None) -> str:
        return f"postgresql://{user}:{password or self.password}@127.0.0.1:{self.port}/{database}"


def _data_dir() -> Path:
    return settings.home() / "pgdata"


def _state_file() -> Path:
    return settings.home() / "warehouse.json"


def find_bin_dir() -> Path:
    """PG_BIN, then the pgserver wheel, then the system's PostgreSQL."""
    candidates: list[Path] = []
    if os.environ.get("PG_BIN"):
        candidates.append(Path(os.environ["PG_BIN"]))
    try:
        import pgserver  # noqa: F401  (only its binaries are used)

        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    system = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    candidates.extend(system)
    for candidate in candidates:
        if (candidate / "pg_ctl").exists() and (candidate / "initdb").exists():
            return candidate
    raise WarehouseError(
        "no PostgreSQL binaries found: install the pgserver wheel, set PG_BIN, "
        "or set FUNNELHOUSE_WAREHOUSE_URL to use an existing server"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_root() -> bool:
    return os.geteuid() == 0


def _server_user() -> pwd.struct_passwd | None:
    if not _as_root():
        return None
    try:
        return pwd.getpwnam(SERVER_OS_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVER_OS_USER], check=True, capture_output=True)
        return pwd.getpwnam(SERVER_OS_USER)


def _open_path_for(user: pwd.struct_passwd | None, path: Path) -> None:
    """Let the server's OS user traverse to the data directory and binaries."""
    if user is None:
        return
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        parent.chmod(mode | stat.S_IXOTH | stat.S_IXGRP)


def _run(args: list[str], user: pwd.struct_passwd | None, check: bool = True) -> subprocess.CompletedProcess:
    def demote() -> None:
        if user is not None:
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)

    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    proc = subprocess.run(args, preexec_fn=demote, capture_output=True, text=True, env=env, cwd="/")
    if check and proc.returncode != 0:
        raise WarehouseError(f"{Path(args[0]).name} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc


def load_state() -> EmbeddedState | None:
    path = _state_file()
    if not path.exists():
        return None
    return EmbeddedState(**json.loads(path.read_text()))


def _init(bin_dir: Path, user: pwd.struct_passwd | None) -> EmbeddedState:
    data = _data_dir()
    if data.exists():
        shutil.rmtree(data)
    data.mkdir(parents=True)
    state = EmbeddedState(
        port=_free_port(),
        password=secrets.token_urlsafe(24),
        bi_password=secrets.token_urlsafe(24),
        bin_dir=str(bin_dir),
    )
    pwfile = settings.home() / ".pwfile"
    pwfile.write_text(state.password)
    if user is not None:
        os.chown(data, user.pw_uid, user.pw_gid)
        os.chown(pwfile, user.pw_uid, user.pw_gid)
    pwfile.chmod(0o600)
    _open_path_for(user, data)
    _open_path_for(user, bin_dir)
    try:
        _run(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, f"--pwfile={pwfile}",
             "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"],
            user,
        )
    finally:
        pwfile.unlink(missing_ok=True)
    with open(data / "postgresql.conf", "a") as conf:
        conf.write(
            "\n# funnelhouse embedded warehouse\n"
            "listen_addresses = '127.0.0.1'\n"
            f"port = {state.port}\n"
            f"unix_socket_directories = '{data}'\n"
            "max_connections = 100\n"
            "shared_buffers = 256MB\n"
            "fsync = on\n"
            "timezone = 'UTC'\n"
            "log_destination = 'stderr'\n"
            "logging_collector = off\n"
        )
    state_path = _state_file()
    state_path.write_text(json.dumps(state.__dict__))
    state_path.chmod(0o600)
    return state


def is_running(state: EmbeddedState | None = None) -> bool:
    state = state or load_state()
    if state is None or not (_data_dir() / "PG_VERSION").exists():
        return False
    proc = _run([str(Path(state.bin_dir) / "pg_ctl"), "status", "-D", str(_data_dir())], _server_user(), check=False)
    return proc.returncode == 0


def start() -> EmbeddedState:
    """Start the embedded server (initialising it the first time); returns its state."""
    user = _server_user()
    state = load_state()
    if state is None or not (_data_dir() / "PG_VERSION").exists() or not Path(state.bin_dir).exists():
        state = _init(find_bin_dir(), user)
    if is_running(state):
        return state
    log = settings.home() / "postgres.log"
    log.touch()
    if user is not None:
        os.chown(log, user.pw_uid, user.pw_gid)
    _run([str(Path(state.bin_dir) / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(_data_dir()), "-l", str(log)], user)
    _wait_ready(state)
    _ensure_databases(state)
    return state


def _wait_ready(state: EmbeddedState, timeout: float = 30.0) -> None:
    import psycopg2

    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg2.connect(state.url("postgres"), connect_timeout=3).close()
            return
        except psycopg2.OperationalError:
            if time.monotonic() > deadline:
                raise WarehouseError(f"embedded PostgreSQL did not accept connections on port {state.port}") from None
            time.sleep(0.2)


def _ensure_databases(state: EmbeddedState) -> None:
    import psycopg2

    conn = psycopg2.connect(state.url("postgres"))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            for name in DATABASES:
                cur.execute("select 1 from pg_database where datname = %s", (name,))
                if cur.fetchone() is None:
                    cur.execute(f'create database "{name}"')
    finally:
        conn.close()


def stop() -> bool:
    """Stop the embedded server; returns whether it was running."""
    state = load_state()
    if state is None or not is_running(state):
        return False
    _run([str(Path(state.bin_dir) / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(_data_dir())], _server_user())
    return True
