"""Run a command against a throwaway PostgreSQL server.

    python -m tests.harness.postgres -- .venv/bin/python -m pytest -m "not browser"

The harness finds the PostgreSQL server binaries (``$CITIES_CMS_PG_BINDIR``,
``pg_config --bindir``, ``/usr/lib/postgresql/*/bin``, ``PATH``), runs ``initdb`` into a fresh
temporary directory, starts ``postgres`` listening only on 127.0.0.1 on a free port (its unix
socket stays inside the temporary directory), creates a database and runs the command with
``DATABASE_URL=postgres://USER@127.0.0.1:PORT/DBNAME`` in its environment. The server is always
stopped and the directory removed afterwards; the harness exits with the command's exit code.

The database user is the cluster's superuser (trust authentication, loopback only), so
pytest-django can create and drop its test database.

initdb and postgres refuse to run as root: under root the server runs as the ``postgres``
system user (``$CITIES_CMS_PG_USER`` overrides it), which owns the temporary directory.

Without PostgreSQL binaries the harness prints why and exits 0 without running the command,
unless ``CITIES_CMS_REQUIRE_POSTGRES=1``: then it exits 1.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "postgres harness:"
REQUIRE_ENV = "CITIES_CMS_REQUIRE_POSTGRES"
BINDIR_ENV = "CITIES_CMS_PG_BINDIR"
USER_ENV = "CITIES_CMS_PG_USER"
SERVER_BINARIES = ("initdb", "postgres", "pg_isready", "createdb")
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
PORT_ATTEMPTS = 3


class HarnessError(Exception):
    """PostgreSQL is installed but the server could not be set up."""


class Unavailable(Exception):
    """PostgreSQL cannot be used here (no binaries, no unprivileged user)."""


def log(message: str) -> None:
    print(f"{PREFIX} {message}", file=sys.stderr, flush=True)


def required() -> bool:
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path)) or (0,)


def candidate_bindirs() -> list[Path]:
    candidates: list[Path] = []
    if os.environ.get(BINDIR_ENV):
        candidates.append(Path(os.environ[BINDIR_ENV]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            result = subprocess.run(
                [pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True
            )
            candidates.append(Path(result.stdout.strip()))
    # Newest major version first.
    for bindir in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=_version_key, reverse=True):
        candidates.append(Path(bindir))
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(Path(initdb).resolve().parent)
    unique: list[Path] = []
    for candidate in candidates:
        if candidate not in unique:
            unique.append(candidate)
    return unique


def find_bindir() -> Path:
    for bindir in candidate_bindirs():
        if all(os.access(bindir / name, os.X_OK) for name in SERVER_BINARIES):
            return bindir
    raise Unavailable(
        "no PostgreSQL server binaries found (looked for initdb, postgres, pg_isready and "
        f"createdb in ${BINDIR_ENV}, `pg_config --bindir`, /usr/lib/postgresql/*/bin and PATH). "
        "Install them, e.g. `apt-get install postgresql`."
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerUser:
    """The OS account the server runs as; ``popen_kwargs`` switch to it when we are root."""

    name: str
    uid: int
    gid: int
    popen_kwargs: dict = field(default_factory=dict)


def server_user() -> ServerUser:
    if os.geteuid() != 0:
        return ServerUser(getpass.getuser(), os.geteuid(), os.getegid())
    name = os.environ.get(USER_ENV, "postgres")
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise Unavailable(
            f"running as root, and PostgreSQL refuses to run as root, but there is no {name!r} "
            f"system user to run it as (create one, or set ${USER_ENV})"
        ) from None
    if entry.pw_uid == 0:
        raise Unavailable(f"${USER_ENV}={name} is root; PostgreSQL refuses to run as root")
    return ServerUser(
        name,
        entry.pw_uid,
        entry.pw_gid,
        {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []},
    )


class Server:
    def __init__(self, bindir: Path, user: ServerUser, dbname: str):
        self.bindir = bindir
        self.user = user
        self.dbname = dbname
        self.tmpdir = Path(tempfile.mkdtemp(prefix="cities_cms_pg_"))
        self.datadir = self.tmpdir / "data"
        self.sockdir = self.tmpdir / "socket"
        self.logfile = self.tmpdir / "postgres.log"
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"postgres://{self.user.name}@127.0.0.1:{self.port}/{self.dbname}"

    def _env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        env.update(LC_ALL="C", LANG="C", TZ="UTC")
        if self.user.popen_kwargs:
            env["HOME"] = str(self.tmpdir)
        return env

    def _run(self, *args: str | Path) -> subprocess.CompletedProcess:
        # cwd=tmpdir: when we switch users, the caller's directory may not be readable.
        result = subprocess.run(
            [str(a) for a in args],
            cwd=self.tmpdir,
            env=self._env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            **self.user.popen_kwargs,
        )
        if result.returncode != 0:
            raise HarnessError(
                f"{Path(args[0]).name} failed (exit {result.returncode}):\n"
                f"{result.stdout}{result.stderr}"
            )
        return result

    def setup(self) -> None:
        self.sockdir.mkdir()
        if self.user.popen_kwargs:
            for path in (self.tmpdir, self.sockdir):
                os.chown(path, self.user.uid, self.user.gid)
        self._run(
            self.bindir / "initdb",
            "--pgdata",
            self.datadir,
            "--username",
            self.user.name,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--no-locale",
            "--no-sync",
        )

    def start(self) -> None:
        for attempt in range(1, PORT_ATTEMPTS + 1):
            self.port = free_port()
            try:
                self._start_once()
                return
            except HarnessError:
                # Someone may have taken the port between free_port() and postgres binding it.
                self.stop()
                if attempt == PORT_ATTEMPTS:
                    raise
                log(f"server did not start on port {self.port}, retrying on another port")

    def _start_once(self) -> None:
        with open(self.logfile, "ab") as logfile:
            if self.user.popen_kwargs:
                os.chown(self.logfile, self.user.uid, self.user.gid)
            self.process = subprocess.Popen(
                [
                    str(self.bindir / "postgres"),
                    "-D",
                    str(self.datadir),
                    "-p",
                    str(self.port),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"unix_socket_directories={self.sockdir}",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=50",
                ],
                cwd=self.tmpdir,
                env=self._env(),
                stdin=subprocess.DEVNULL,
                stdout=logfile,
                stderr=subprocess.STDOUT,
                # Own session: a Ctrl-C in the terminal reaches us, and we stop the server.
                start_new_session=True,
                **self.user.popen_kwargs,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise HarnessError(
                    f"postgres exited with code {self.process.returncode}:\n{self.server_log()}"
                )
            ready = subprocess.run(
                [
                    str(self.bindir / "pg_isready"),
                    "--host=127.0.0.1",
                    f"--port={self.port}",
                    f"--username={self.user.name}",
                    "--dbname=postgres",
                    "--timeout=2",
                ],
                env=self._env(),
                capture_output=True,
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.2)
        raise HarnessError(
            f"postgres did not accept connections within {START_TIMEOUT:.0f}s:\n{self.server_log()}"
        )

    def create_database(self) -> None:
        self._run(
            self.bindir / "createdb",
            "--host=127.0.0.1",
            f"--port={self.port}",
            f"--username={self.user.name}",
            self.dbname,
        )

    def server_log(self) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no server log)"

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        # SIGINT is PostgreSQL's "fast" shutdown: roll back open transactions, disconnect, exit.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            log("postgres did not stop in time, killing it")
            process.kill()
            process.wait()

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            if self.tmpdir.exists():
                log(f"could not remove {self.tmpdir}")


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def run(command: list[str], dbname: str) -> int:
    try:
        bindir = find_bindir()
        user = server_user()
    except Unavailable as exc:
        if required():
            log(f"ERROR: {exc}")
            log(f"{REQUIRE_ENV}=1, so a missing PostgreSQL is a failure.")
            return 1
        log(f"SKIPPED, not running {' '.join(command)!r}: {exc}")
        log(f"(set {REQUIRE_ENV}=1 to make this a failure)")
        return 0

    # Make `kill` (SIGTERM) run the cleanup below, like Ctrl-C does.
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    server = Server(bindir, user, dbname)
    try:
        server.setup()
        server.start()
        server.create_database()
        log(f"PostgreSQL ({bindir}) running as {user.name}: {server.url} (data in {server.tmpdir})")
        env = dict(os.environ, DATABASE_URL=server.url)
        returncode = subprocess.run(command, env=env, check=False).returncode
    except HarnessError as exc:
        log(f"ERROR: {exc}")
        return 1
    except FileNotFoundError as exc:
        log(f"ERROR: {exc}")
        return 127
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        server.cleanup()
    # A command killed by a signal reports -N; shells report 128+N.
    return returncode if returncode >= 0 else 128 - returncode


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="python -m tests.harness.postgres",
        usage="%(prog)s [--dbname NAME] -- COMMAND [ARG ...]",
        description=(__doc__ or "").split("\n\n")[0],
    )
    parser.add_argument("--dbname", default="cities_cms", help="database to create")
    if "--" not in argv:
        parser.error("give the command to run after `--`")
    split = argv.index("--")
    options = parser.parse_args(argv[:split])
    command = argv[split + 1 :]
    if not command:
        parser.error("give the command to run after `--`")
    return run(command, options.dbname)


if __name__ == "__main__":
    sys.exit(main())
