"""Project-level views: the home page, the health check and the benchmark baseline."""

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView


def home(request):
    return render(request, "home.html")


def _database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means "down", reported not raised
        return f"down: {type(exc).__name__}"
    return "ok"


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return f"down: {type(exc).__name__}"
    return "ok"


@never_cache
@require_GET
def healthz(request):
    """200 with the database and broker state; 503 when either is down."""
    state = {"database": _database_state(), "broker": _broker_state()}
    healthy = all(value in ("ok", "in-process") for value in state.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **state}, status=200 if healthy else 503
    )


class PingApi(APIView):
    """The lightest DRF endpoint there is: the baseline benchmarks compare real endpoints with."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: inline_serializer("Pong", {"status": serializers.CharField()})})
    def get(self, request):
        return Response({"status": "ok"})
