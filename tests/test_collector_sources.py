"""Each data source kind against the real thing: a folder, an HTTP server on loopback, a command."""

from __future__ import annotations

import base64
import os
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from utrex.collector.models import CollectionSource
from utrex.collector.sources import CollectionError, fetch, open_credentials, seal_credentials

PAYLOAD = b"DI=14,YR=2013,OK=OCT\r\n" + b"S1=1\r\n" * 1000
KEY = os.urandom(32)


def source(kind: str, **config: object) -> CollectionSource:
    return CollectionSource(id=7, lea="14", name="sis", kind=kind, config=dict(config), created_by="t")


# --- folder ---------------------------------------------------------------------------------------

def test_folder_takes_the_newest_matching_file(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    for i, name in enumerate(["lea14_old.txt", "lea14_new.txt", "other.csv"]):
        (drop / name).write_bytes(name.encode() * 10)
        os.utime(drop / name, (1_000_000 + i * 100, 1_000_000 + i * 100))
    got = fetch(source("folder", path=str(drop), pattern="lea14_*.txt", settle_seconds=0), tmp_path)
    assert got.name == "lea14_new.txt"
    assert got.path.read_bytes() == b"lea14_new.txt" * 10
    assert got.path.parent == tmp_path


def test_folder_refuses_a_file_still_being_written(tmp_path: Path) -> None:
    drop = tmp_path / "drop"
    drop.mkdir()
    f = drop / "extract.txt"
    f.write_bytes(b"DI=14 partial")
    writes: list[float] = []

    def sleep(seconds: float) -> None:  # the SIS appends while the collector waits out the settle interval
        writes.append(seconds)
        with f.open("ab") as fh:
            fh.write(b" more")

    with pytest.raises(CollectionError, match="extract.txt is still being written"):
        fetch(source("folder", path=str(drop), settle_seconds=30), tmp_path, sleep=sleep)
    assert len(writes) == 1 and 29 < writes[0] <= 30
    # unchanged through the interval: taken
    got = fetch(source("folder", path=str(drop), settle_seconds=0.2), tmp_path)
    assert got.path.read_bytes() == b"DI=14 partial more"


def test_folder_failures_are_clear(tmp_path: Path) -> None:
    with pytest.raises(CollectionError, match="does not exist"):
        fetch(source("folder", path=str(tmp_path / "nope")), tmp_path)
    (tmp_path / "drop").mkdir()
    with pytest.raises(CollectionError, match=r"no file matching '\*.txt'"):
        fetch(source("folder", path=str(tmp_path / "drop"), pattern="*.txt", settle_seconds=0), tmp_path)
    (tmp_path / "drop" / "empty.txt").write_bytes(b"")
    os.utime(tmp_path / "drop" / "empty.txt", (1_000_000, 1_000_000))
    with pytest.raises(CollectionError, match="empty.txt is empty"):
        fetch(source("folder", path=str(tmp_path / "drop"), pattern="*.txt", settle_seconds=0), tmp_path)


# --- HTTP on loopback -----------------------------------------------------------------------------

class Handler(BaseHTTPRequestHandler):
    seen: list[str | None] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        Handler.seen.append(self.headers.get("Authorization"))
        if self.path == "/slow.txt":
            time.sleep(2)
        if self.path == "/boom.txt":
            self.send_error(500, "Internal Server Error")
            return
        if self.path == "/private.txt":
            good = "Basic " + base64.b64encode(b"lea14:s3cret").decode()
            if self.headers.get("Authorization") not in (good, "Bearer tok-123"):
                self.send_error(401, "Unauthorized")
                return
        self.send_response(200)
        self.send_header("Content-Length", str(len(PAYLOAD)))
        self.end_headers()
        self.wfile.write(PAYLOAD)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_url_streams_the_extract(server: str, tmp_path: Path) -> None:
    got = fetch(source("url", url=f"{server}/lea14.txt", timeout_seconds=5), tmp_path)
    assert got.name == "lea14.txt"
    assert got.path.read_bytes() == PAYLOAD


def test_url_with_sealed_basic_and_bearer_credentials(server: str, tmp_path: Path) -> None:
    src = source("url", url=f"{server}/private.txt", timeout_seconds=5)
    with pytest.raises(CollectionError, match="HTTP 401.*credentials"):
        fetch(src, tmp_path, KEY)
    src.credentials = seal_credentials({"username": "lea14", "password": "s3cret"}, KEY, 7)
    assert b"s3cret" not in src.credentials
    assert fetch(src, tmp_path, KEY).path.read_bytes() == PAYLOAD
    src.credentials = seal_credentials({"token": "tok-123"}, KEY, 7)
    assert open_credentials(src, KEY) == {"token": "tok-123"}
    assert fetch(src, tmp_path, KEY).path.stat().st_size == len(PAYLOAD)
    assert Handler.seen[-1] == "Bearer tok-123"
    other = source("url", url=f"{server}/private.txt")
    other.id, other.credentials = 8, src.credentials  # a blob copied onto another source does not open
    with pytest.raises(CollectionError, match="credentials cannot be opened"):
        fetch(other, tmp_path, KEY)


def test_url_failures_500_timeout_unreachable(server: str, tmp_path: Path) -> None:
    with pytest.raises(CollectionError, match=r"boom.txt answered HTTP 500"):
        fetch(source("url", url=f"{server}/boom.txt", timeout_seconds=5), tmp_path)
    t0 = time.monotonic()
    with pytest.raises(CollectionError, match="did not answer within 0.5 seconds|timed out"):
        fetch(source("url", url=f"{server}/slow.txt", timeout_seconds=0.5), tmp_path)
    assert time.monotonic() - t0 < 1.9
    with pytest.raises(CollectionError, match="cannot reach http://127.0.0.1:9/x.txt"):
        fetch(source("url", url="http://127.0.0.1:9/x.txt", timeout_seconds=2), tmp_path)


# --- a real command -------------------------------------------------------------------------------

PY = sys.executable


def test_command_writes_the_file(tmp_path: Path) -> None:
    script = tmp_path / "export.py"
    script.write_text("import sys; open(sys.argv[1], 'wb').write(b'DI=14' * 100)\n")
    got = fetch(source("command", command=f"{PY} {script} {{output}}", timeout_seconds=20), tmp_path)
    assert got.path.read_bytes() == b"DI=14" * 100
    # a command that writes where it always does: read from `output`, and yesterday's file never passes
    fixed = tmp_path / "sis" / "out.txt"
    fixed.parent.mkdir()
    fixed.write_bytes(b"yesterday")
    script.write_text(f"open({str(fixed)!r}, 'wb').write(b'today' * 3)\n")
    got = fetch(source("command", command=f"{PY} {script}", output=str(fixed), timeout_seconds=20), tmp_path)
    assert got.path.read_bytes() == b"today" * 3


def test_command_failures_exit_status_no_file_timeout(tmp_path: Path) -> None:
    with pytest.raises(CollectionError, match=r"exited with status 3: SIS login failed"):
        fetch(source("command", command=f"{PY} -c \"import sys; sys.stderr.write('SIS login failed'); sys.exit(3)\"",
                     timeout_seconds=20), tmp_path)
    with pytest.raises(CollectionError, match="wrote no file"):
        fetch(source("command", command=f"{PY} -c pass", timeout_seconds=20), tmp_path)
    t0 = time.monotonic()
    with pytest.raises(CollectionError, match="did not finish within 0.5 seconds"):
        fetch(source("command", command=f"{PY} -c \"import time; time.sleep(30)\"", timeout_seconds=0.5), tmp_path)
    assert time.monotonic() - t0 < 10
    with pytest.raises(CollectionError, match="'no-such-sis-export' was not found"):
        fetch(source("command", command="no-such-sis-export --all"), tmp_path)
