"""`utrex serve` as a person starts it: a real process on a loopback port, the first state administrator from
the environment, and `--workers 2` server processes that all accept the session one of them signed (the
cookie is signed with a key derived from the store's settings, not per process). Both stores."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from utrex.store import Store

ADMIN, PASSWORD = "admin@example.org", "lantern basil 47 harbour"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def test_serve_with_two_worker_processes_shares_sessions(store: Store, tmp_path: Path) -> None:
    port = _port()
    env = {**os.environ, "UTREX_ADMIN_EMAIL": ADMIN, "UTREX_ADMIN_PASSWORD": PASSWORD}
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "utrex", "serve", "--port", str(port), "--workers", "2",
                                 "--store", store.url], env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        workers = [c for c in _children(proc.pid)
                   if "spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes().decode(errors="replace")]
        assert len(workers) == 2, _children(proc.pid)
        with httpx.Client(base_url=base, timeout=30) as c:
            form = c.get("/login").text
            field, token = re.search(r'type="hidden" name="([^"]+)" value="([^"]+)"', form).groups()  # type: ignore[union-attr]
            r = c.post("/login", data={"email": ADMIN, "password": PASSWORD, field: token})
            assert r.status_code == 303 and r.headers["location"] == "/", r.text[:500]
            # new connections each time: the kernel spreads them over both processes; every one knows the session
            pages = [httpx.get(f"{base}/admin/users", cookies=c.cookies, timeout=30) for _ in range(30)]
        assert {p.status_code for p in pages} == {200}
        assert all(ADMIN in p.text for p in pages)
        assert "created the state administrator admin@example.org" in log.read_text()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
