"""gunicorn.conf.py: after a worker loads the application, the collector leaves its objects alone."""

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_a_worker_freezes_what_the_application_allocated_and_collects_less_often():
    conf = runpy.run_path(str(CONF))
    threshold = gc.get_threshold()
    try:
        conf["post_worker_init"](worker=None)

        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (7000, 20, 20)
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
    assert conf["timeout"] == 30
