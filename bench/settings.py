"""Settings for bench/match_bench.py's gunicorn: the project's, plus a trivial DRF endpoint."""

from carplatform.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
