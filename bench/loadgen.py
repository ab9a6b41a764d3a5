"""Load generation for the HTTP benchmarks: concurrent keep-alive clients against 127.0.0.1 only,
bounded in time; counts answers by status and reports the p99 latency."""

import http.client
import os
import resource
import socket
import sys
import threading
import time
from pathlib import Path


def bench_environment() -> None:
    """What the HTTP benches run with, set before Django starts: their own PostgreSQL database
    (``DATABASE_URL``), production-like settings (DEBUG off, quiet logs), tasks in-process (no
    ``REDIS_URL``: the bench measures the request path only)."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (see the module docstring).")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carplatform.settings")
    os.environ.update(
        DEBUG="0",
        SECRET_KEY="bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG",
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("REDIS_URL", None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_load(port: int, make_request, seconds: float, *, clients: int = 20, first_n: int = 0) -> dict:
    """``clients`` threads, one keep-alive connection each, for ``seconds`` (or until ``make_request``
    returns None); counts by status, p99 latency. Each client numbers its requests from ``first_n``."""
    stop = time.monotonic() + seconds
    counts: dict[int, int] = {}
    latencies: list[float] = []
    last_ns: list[int] = []
    lock = threading.Lock()

    def client(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: dict[int, int] = {}
        local_lat = []
        n = first_n
        while time.monotonic() < stop:
            request = make_request(index, n)
            if request is None:
                break
            method, path, body, headers = request
            started = time.perf_counter()
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            local_lat.append(time.perf_counter() - started)
            local[response.status] = local.get(response.status, 0) + 1
            n += 1
        conn.close()
        with lock:
            last_ns.append(n)
            for k, v in local.items():
                counts[k] = counts.get(k, 0) + v
            latencies.extend(local_lat)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    p99 = latencies[max(int(len(latencies) * 0.99) - 1, 0)] if latencies else 0.0
    return {
        "counts": counts,
        "elapsed": elapsed,
        "p99_ms": p99 * 1000,
        "n": len(latencies),
        "latencies": latencies,
        "last_n": max(last_ns, default=first_n),
    }


def _process_cpu(pid: str) -> tuple[str, int, float]:
    """(command name, parent pid, user + system CPU seconds) of a process, from /proc."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serves(process: Path, database: str) -> bool:
    """Whether a PostgreSQL backend serves ``database`` (its title: ``postgres: [cluster:] user db
    host …``)."""
    try:
        title = (process / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").split()
    except OSError:
        return False
    return database in title[2:]


def cpu_seconds(server_pid: int) -> dict[str, float]:
    """CPU seconds used so far by the server's workers (children of ``server_pid``), by the
    PostgreSQL backends serving the bench's database (``DATABASE_URL``'s; other work on the machine
    is left out) and by this load generator: read before and after a load, the difference divided
    by the requests answered is the CPU each request cost where."""
    database = os.environ.get("DATABASE_URL", "").rsplit("/", 1)[-1].split("?")[0]
    used = {"server": 0.0, "postgres": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, parent, seconds = _process_cpu(entry.name)
        except (OSError, ValueError, IndexError):  # the process ended meanwhile
            continue
        if parent == server_pid:
            used["server"] += seconds
        elif name.startswith("postgres") and _serves(entry, database):
            used["postgres"] += seconds
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used["loadgen"] = usage.ru_utime + usage.ru_stime
    return used


def run_interleaved(
    port: int,
    phases: dict,
    seconds: float,
    *,
    rounds: int = 5,
    clients: int = 20,
    server_pid: int | None = None,
) -> dict:
    """Run each phase (name → ``make_request``) for ``seconds`` in all, as ``rounds`` alternating
    slices (A B C A B C …), so a change in the machine's background load hits every phase alike and
    their ratio stays fair. Returns, per phase, the merged counts, elapsed time, p50, p99 and max; with
    ``server_pid``, also ``cpu_ms``: CPU milliseconds per answered request in the server's workers,
    in PostgreSQL and in the load generator (see ``cpu_seconds``)."""
    merged = {
        name: {"counts": {}, "elapsed": 0.0, "latencies": [], "next_n": 0, "cpu": {}} for name in phases
    }
    for _round in range(rounds):
        for name, make_request in phases.items():
            before = cpu_seconds(server_pid) if server_pid else {}
            part = run_load(
                port, make_request, seconds / rounds, clients=clients, first_n=merged[name]["next_n"]
            )
            into = merged[name]
            if server_pid:
                after = cpu_seconds(server_pid)
                for where, value in after.items():
                    into["cpu"][where] = into["cpu"].get(where, 0.0) + value - before[where]
            for status, count in part["counts"].items():
                into["counts"][status] = into["counts"].get(status, 0) + count
            into["elapsed"] += part["elapsed"]
            into["latencies"].extend(part["latencies"])
            into["next_n"] = part["last_n"] + 1
    for into in merged.values():
        latencies = sorted(into.pop("latencies"))
        into["n"] = len(latencies)
        into["p99_ms"] = latencies[max(int(len(latencies) * 0.99) - 1, 0)] * 1000 if latencies else 0.0
        into["p50_ms"] = latencies[len(latencies) // 2] * 1000 if latencies else 0.0
        into["max_ms"] = latencies[-1] * 1000 if latencies else 0.0
        cpu = into.pop("cpu")
        if cpu and into["n"]:
            into["cpu_ms"] = {where: seconds * 1000 / into["n"] for where, seconds in cpu.items()}
    return merged


def cpu_line(run: dict) -> str:
    """``cpu_ms`` of a ``run_interleaved`` phase, for printing."""
    cpu = run.get("cpu_ms")
    if not cpu:
        return ""
    return "CPU per request: " + ", ".join(f"{where} {ms:.2f} ms" for where, ms in cpu.items())
