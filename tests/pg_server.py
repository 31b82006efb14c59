"""PostgreSQL for the tests, with no setup by hand.

- TEST_POSTGRES_URL set (postgresql+asyncpg://…): that server is used.
- Otherwise a throwaway cluster is started for the run from the server binaries found on
  this machine (pytest-postgresql's `postgresql_proc`): `pg_ctl` from `--postgresql-exec`
  or the `postgresql_exec` ini option if given, else `pg_config --bindir`, else the newest
  `/usr/lib/postgresql/*/bin`, else PATH. PostgreSQL refuses to run as root, so as root
  the same pytest-postgresql executor runs `pg_ctl` (and through it `initdb` and
  `postgres`) as the `postgres` user (`nobody` where there is none), in a folder of its
  own under the system's temporary directory.
- No server and no binaries: the PostgreSQL variants skip and say why; in CI (CI=true)
  that is an error.

Each xdist worker gets a database of its own (`…_gw0`, `…_gw1`, or `…_main` without
xdist), migrated once per run and emptied before each test; with TEST_POSTGRES_URL they
are created next to the database it names (its role needs CREATEDB) and dropped at the
end."""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

PG_URL = os.environ.get("TEST_POSTGRES_URL")
THROWAWAY_DB = "cchc_test"
# The throwaway cluster holds nothing worth keeping: no waiting for the disk. (pytest-
# postgresql starts it with -F, fsync off.)
SERVER_OPTIONS = "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"


def unavailable(reason: str):
    """Skip (locally) or fail (in CI) a PostgreSQL variant."""
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the PostgreSQL tests: {reason}")
    pytest.skip(f"PostgreSQL: {reason}")


def _version(path: str) -> tuple[int, ...]:
    found = re.search(r"/postgresql/([\d.]+)/", path)
    return tuple(int(p) for p in found.group(1).split(".") if p) if found else ()


def find_pg_ctl(configured: str | None) -> str | None:
    """The server's `pg_ctl`: as configured, next to `pg_config --bindir`, the newest of
    Debian's /usr/lib/postgresql/*/bin, or on PATH; None when there is no server here."""
    candidates = [configured] if configured else []
    try:
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, timeout=30).stdout.strip()
        if bindir:
            candidates.append(os.path.join(bindir, "pg_ctl"))
    except (OSError, subprocess.SubprocessError):
        pass
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_version, reverse=True)
    candidates.append(shutil.which("pg_ctl"))
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def configure(config: pytest.Config) -> None:
    """Point pytest-postgresql at the binaries found here (unless told where they are)."""
    if PG_URL or not config.pluginmanager.has_plugin("pytest_postgresql"):
        return
    given = config.getoption("postgresql_exec") or None
    default = config.getini("postgresql_exec") or None
    config.option.postgresql_exec = given or find_pg_ctl(default) or ""
    if not config.getoption("postgresql_postgres_options"):
        config.option.postgresql_postgres_options = SERVER_OPTIONS


def worker_id(config: pytest.Config) -> str:
    return getattr(config, "workerinput", {}).get("workerid", "main")


def _unprivileged_user() -> pwd.struct_passwd:
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) to run PostgreSQL as")


WRAPPER = """#!{python}
# pg_ctl as {user}: PostgreSQL refuses to run as root.
import os, sys
os.setgroups([])
os.setgid({gid})
os.setuid({uid})
os.chdir({home!r})
os.execv({pg_ctl!r}, [{pg_ctl!r}, *sys.argv[1:]])
"""


def _start_as_unprivileged(pg_ctl: str, wrapper_dir: Path, options: str) -> Iterator[object]:
    """pytest-postgresql's executor with `pg_ctl` run as an unprivileged user."""
    import port_for
    from pytest_postgresql.executors import PostgreSQLExecutor

    user = _unprivileged_user()
    home = Path(tempfile.mkdtemp(prefix="cchc-test-pg-"))
    executor = None
    try:
        os.chown(home, user.pw_uid, user.pw_gid)
        wrapper = wrapper_dir / "pg_ctl"
        wrapper.write_text(WRAPPER.format(python=sys.executable, user=user.pw_name, uid=user.pw_uid,
                                          gid=user.pw_gid, home=str(home), pg_ctl=pg_ctl))
        wrapper.chmod(0o700)
        for attempt in range(3):  # a port another process took meanwhile: try another
            executor = PostgreSQLExecutor(
                executable=str(wrapper), host="127.0.0.1", port=port_for.get_port(None),
                datadir=str(home / "data"), unixsocketdir=str(home), logfile=str(home / "postgresql.log"),
                startparams="-w", dbname="tests", user="postgres", postgres_options=options)
            try:
                executor.start()
                break
            except Exception:
                log = home / "postgresql.log"
                if attempt == 2:
                    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                    raise RuntimeError(f"the throwaway PostgreSQL cluster did not start:\n{tail}") from None
                shutil.rmtree(home / "data", ignore_errors=True)
                executor = None
        yield executor
    finally:
        if executor is not None:
            try:
                executor.stop()
            except Exception:  # already gone; the folder goes all the same
                pass
        shutil.rmtree(home, ignore_errors=True)


def server(request: pytest.FixtureRequest, wrapper_dir: Path) -> Iterator[URL]:
    """A URL of the server this run's databases live on (its maintenance database)."""
    if PG_URL:
        yield make_url(PG_URL)
        return
    config = request.config
    if not config.pluginmanager.has_plugin("pytest_postgresql"):
        unavailable("pytest-postgresql is not installed (pip install -e '.[dev]'), nor TEST_POSTGRES_URL set")
    pg_ctl = config.getoption("postgresql_exec")
    if not pg_ctl:
        unavailable("no server binaries here (pg_ctl: not next to `pg_config --bindir`, not in "
                    "/usr/lib/postgresql/*/bin, not on PATH): install PostgreSQL's server, or set "
                    "TEST_POSTGRES_URL")
    if os.geteuid() == 0:
        runs = _start_as_unprivileged(pg_ctl, wrapper_dir, config.getoption("postgresql_postgres_options") or "")
        executor = next(runs)
    else:
        runs, executor = None, request.getfixturevalue("postgresql_proc")
    try:
        url = URL.create("postgresql+asyncpg", username=executor.user, password=executor.password or None,
                         host=executor.host, port=executor.port, database="postgres")
        _wait_until_ready(url)
        yield url
    finally:
        if runs is not None:
            runs.close()


def _wait_until_ready(url: URL, within: float = 120.0) -> None:
    """The server takes connections: its port opens while it is still starting up."""
    deadline = time.monotonic() + within
    admin = _admin(url)
    try:
        while True:
            try:
                with admin.connect() as conn:
                    conn.execute(text("SELECT 1"))
                return
            except OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
    finally:
        admin.dispose()


def _admin(url: URL):
    return create_engine(url.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT", poolclass=NullPool)


def worker_database(server_url: URL, worker: str) -> Iterator[str]:
    """A fresh, empty database for this worker (not yet migrated); dropped at the end."""
    base = server_url.database if PG_URL else THROWAWAY_DB
    name = f"{base}_{worker}"
    if name == server_url.database:
        raise RuntimeError(f"TEST_POSTGRES_URL names {name}, the database this worker would create")
    admin = _admin(server_url)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
