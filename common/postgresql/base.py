"""Django's PostgreSQL backend (psycopg 3), with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a persistent connection once per request before its first
query, by sending ``SELECT 1`` (``is_usable``). That protects a request from a connection the
server closed meanwhile (a restart, a failover, an administrator's ``pg_terminate_backend``), at
the price of a round trip on every request that touches the database.

A connection the server closed has something to read: the server's last message and the end of
the stream. An idle, healthy connection has nothing (this platform does not ``LISTEN``). So the
check here asks the socket, without waiting, whether anything is there; only then does it read it,
and the connection is usable if libpq still calls it good and it is not inside a failed
transaction. What neither check can tell at once, a network that drops packets without closing the
connection, makes ``SELECT 1`` wait for TCP's timeout too.
"""

import select

from django.db.backends.postgresql import base
from psycopg import Error, pq


def _readable(fd: int) -> bool:
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])  # pragma: no cover - platforms without poll()


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None:
            return False
        pgconn = self.connection.pgconn
        try:
            if pgconn.status != pq.ConnStatus.OK:
                return False
            if _readable(pgconn.socket):
                pgconn.consume_input()  # the server's goodbye, or the end of the stream: raises
        except (OSError, Error):
            return False
        return pgconn.status == pq.ConnStatus.OK and pgconn.transaction_status in (
            pq.TransactionStatus.IDLE,
            pq.TransactionStatus.INTRANS,
        )
