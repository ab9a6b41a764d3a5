"""The project package: settings, URLs, WSGI/ASGI entry points and the Celery app.

Named ``carplatform`` rather than the design card's ``platform`` because a top-level package
called ``platform`` shadows the standard library module that ``uuid`` imports on Linux
(see docs/decisions/0001-carplatform-package-name.md).
"""

from carplatform.celery import app as celery_app

__all__ = ["celery_app"]
