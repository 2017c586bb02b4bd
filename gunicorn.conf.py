"""gunicorn settings for the dashboard: ``gunicorn -c gunicorn.conf.py 'vger.web:create_app()'``.

Every value can be overridden from the environment (``VGER_WORKERS`` etc.) or on the
command line (``-w 4``). See docs/operations.md.
"""

import importlib
import multiprocessing
import os
import pkgutil

# Worker boot. The third-party libraries every worker uses are imported once, here in the
# master, so a forked worker starts with them loaded: a worker boots in about 0.5 CPU-s
# instead of 1.3, the price of each worker that max_requests recycles under load. Only
# libraries: no app, engine or connection exists before the fork (see preload_app), and
# each worker still imports Vger's own code, so a HUP reload picks up a new Vger (a
# library upgrade needs a restart).
for _library in (
    "alembic.command",
    "dash",
    "dash_bootstrap_components",
    "flask",
    "numpy",
    "pandas",
    "plotly.graph_objects",
    "psycopg",
    "pydantic_settings",
    "redis",
    "sqlalchemy",
):
    try:
        importlib.import_module(_library)
    except ImportError:  # an optional extra that is not installed
        pass

# Plotly imports a figure's classes (traces, layout, axes...) lazily, on first use: in a
# new worker, its first page with charts imported ~400 modules (0.2 CPU-s) while its
# requests waited. The master imports those of the traces Vger draws (BUNDLED_TRACES in
# vger/web/speed.py; tests/test_gunicorn.py keeps the two lists equal) and of the
# layout: 0.3 CPU-s once, then shared by every forked worker.
PLOTLY_TRACES = ("bar", "histogram", "scatter", "scattergl")
for _package in (*PLOTLY_TRACES, "layout"):
    try:
        _module = importlib.import_module(f"plotly.graph_objs.{_package}")
    except ImportError:
        break
    for _info in pkgutil.walk_packages(_module.__path__, _module.__name__ + "."):
        importlib.import_module(_info.name)

# Where to listen. Behind nginx/Caddy keep 127.0.0.1; in a container use 0.0.0.0:8050.
bind = os.environ.get("VGER_BIND", "127.0.0.1:8050")

# Processes: the web tier is stateless (any number of workers on one PostgreSQL store).
# Each worker holds its own SimpleCache of computed series unless VGER_CACHE_URL points
# at Redis. The default is 2 × CPUs + 1, at most 8 (a quadrant request is CPU-bound).
workers = int(os.environ.get("VGER_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
# Threads per worker (gthread when > 1). Only VGER_BUSY_SLOTS (2) of them compute data
# requests (API, CSV, Dash callbacks) at once; the rest wait for a slot or serve /health,
# pages and assets, so a flood of costly requests cannot stop /health from answering
# (python -m bench.hostile). pandas releases the GIL only in parts: processes, not
# threads, add computing capacity.
threads = int(os.environ.get("VGER_THREADS", "8"))
worker_class = "gthread" if threads > 1 else "sync"

# Seconds a worker may take for one request before it is killed and restarted; a cold
# quadrant of a 100,000-issue board takes about a second, so 60 s is generous.
timeout = int(os.environ.get("VGER_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then so memory held by pandas cannot creep. The jitter is half
# the limit, so workers that share the load are not recycled at the same moment (with
# 200, both workers of a 20-user load test restarted within seconds of each other and
# the 1M-issue quadrant's p95 rose to 3.5-7 s while no worker was warm: bench.scale).
max_requests = int(os.environ.get("VGER_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 2

# preload_app=False: the app (and its SQLAlchemy engine with its connection pool) is
# built in every worker after the fork. Preloading would create the engine in the master
# and share its pooled connections across forked workers (corrupted PostgreSQL sessions),
# and a preloaded app keeps the old code on a HUP reload.
preload_app = False

# Logs to stdout/stderr (journald, Docker and systemd collect them).
accesslog = os.environ.get("VGER_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("VGER_LOG_LEVEL", "info")
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# Trust X-Forwarded-* only from the local reverse proxy.
forwarded_allow_ips = os.environ.get("VGER_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "vger"
