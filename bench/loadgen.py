"""Load generation for the HTTP benchmarks: concurrent keep-alive clients against 127.0.0.1 only,
bounded in time; counts answers by status and reports the p99 latency."""

import http.client
import socket
import threading
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_load(port: int, make_request, seconds: float, *, clients: int = 20) -> dict:
    """``clients`` threads, one keep-alive connection each, for ``seconds`` (or until ``make_request``
    returns None); counts by status, p99 latency."""
    stop = time.monotonic() + seconds
    counts: dict[int, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()

    def client(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local: dict[int, int] = {}
        local_lat = []
        n = 0
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
    return {"counts": counts, "elapsed": elapsed, "p99_ms": p99 * 1000, "n": len(latencies)}
