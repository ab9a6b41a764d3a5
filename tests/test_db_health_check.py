"""The PostgreSQL health check (``common.postgresql``, decision 0017): no round trip for a healthy
connection; a connection the server closed is found unusable, and the next request reconnects."""

import contextlib
import time

import pytest
from django.db import connection, connections
from psycopg.errors import DataError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _backend_pid(conn) -> int:
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _last_statement(pid: int) -> str:
    """The last statement the backend ``pid`` received, as the server reports it (read from another
    connection)."""
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
            return cursor.fetchone()[0]
    finally:
        other.close()


def test_a_healthy_connection_is_usable_without_sending_anything():
    # given an open connection whose last statement the server knows
    pid = _backend_pid(connection)
    assert _last_statement(pid) == "SELECT pg_backend_pid()"

    # when it is checked many times
    results = [connection.is_usable() for _ in range(100)]

    # then it is usable, and the server received nothing (SELECT 1 would be its last statement)
    assert all(results)
    assert _last_statement(pid) == "SELECT pg_backend_pid()"


def test_a_connection_the_server_closed_is_unusable_and_the_next_request_reconnects(client):
    # given a persistent connection whose backend the server terminated (a restart, a failover)
    pid = _backend_pid(connection)
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    finally:
        other.close()
    for _ in range(50):  # the server's goodbye reaches the socket
        if not connection.is_usable():
            break
        time.sleep(0.02)

    # then the check says so
    assert connection.is_usable() is False

    # and a request that uses the database (the health check runs first) succeeds on a new backend
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert connection.connection is None
    assert _backend_pid(connection) != pid


def test_a_connection_inside_a_failed_transaction_is_unusable():
    # given a connection whose transaction failed
    connection.ensure_connection()
    raw = connection.connection
    raw.autocommit = False
    with raw.cursor() as cursor, contextlib.suppress(DataError):
        cursor.execute("SELECT 1/0")

    # then it is not usable until rolled back
    assert connection.is_usable() is False
    raw.rollback()
    raw.autocommit = True
    assert connection.is_usable() is True
