"""Gunicorn's configuration for the web service: the Dockerfile, docker-compose and the HTTP benches
run gunicorn with ``--config gunicorn.conf.py`` (their command lines add the bind address and the
number of workers)."""

import gc

timeout = 30


def post_worker_init(worker):
    """The application is loaded: what it allocated (modules, settings, URL patterns, models) lives
    as long as the worker, so move it out of the collector's reach (``gc.freeze``) and collect the
    youngest generation less often. A request allocates thousands of short-lived objects; with
    the defaults a quote paid ~0.4-1 ms of collections, a full one re-scanning every object the
    application holds (decision 0007)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(7000, 20, 20)
