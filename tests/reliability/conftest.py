"""Fixtures for the reliability tests: live services, a private PostgreSQL cluster, a small disk.

Everything runs on loopback. PostgreSQL tests use a throwaway cluster of
their own (initdb under a temp dir, run as the postgres user on a random
port), so restarting it disturbs nobody else's server.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from rel_helpers import LiveService, free_port


@pytest.fixture
def live(tmp_path) -> Iterator:
    """A factory of live services on SQLite under tmp_path (or a given URL); all stopped afterwards."""
    started: list[LiveService] = []

    def make(database_url: str | None = None, start: bool = True, **env: str) -> LiveService:
        svc = LiveService(tmp_path, database_url or f"sqlite:///{tmp_path / 'log.db'}", **env)
        started.append(svc)
        return svc.start() if start else svc
    yield make
    for svc in started:
        svc.stop()


class PrivatePostgres:
    """A PostgreSQL cluster of our own: initdb, start, stop, restart (as the postgres user)."""

    def __init__(self, root: Path, bindir: Path):
        self.root, self.bindir, self.port = root, bindir, free_port()
        self.data = root / "data"
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run(str(self.bindir / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def start(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "pg.log"), "-w",
                  "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@pytest.fixture(scope="module")
def private_pg() -> Iterator[PrivatePostgres]:
    bindir = _pg_bindir()
    if bindir is None or shutil.which("runuser") is None:
        pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) or runuser here: "
                    "cannot run a private throwaway cluster")
    if os.geteuid() != 0:
        pytest.skip("a private PostgreSQL cluster is started as the postgres user, which needs root")
    root = Path(tempfile.mkdtemp(prefix="cogov-pg-"))
    shutil.chown(root, "postgres")
    pg = PrivatePostgres(root, bindir)
    try:
        pg.init()
        pg.start()
    except (subprocess.CalledProcessError, LookupError) as exc:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"cannot start a private PostgreSQL cluster: {exc}")
    try:
        yield pg
    finally:
        try:
            pg.stop("immediate")
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def small_disk() -> Iterator[Path]:
    """A 2 MiB tmpfs mounted under a temp dir (skips where mounting is not permitted)."""
    where = Path(tempfile.mkdtemp(prefix="cogov-disk-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(where)], capture_output=True)
    if done.returncode != 0:
        where.rmdir()
        pytest.skip(f"cannot mount a small tmpfs here ({done.stderr.decode().strip()}): needs root")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)
        where.rmdir()
