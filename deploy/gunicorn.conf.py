"""gunicorn on each app server (deploy/systemd/alleykeeper.service): loopback only, nginx in front.

Workers: two per core is a good start for these pages (most time is spent in PostgreSQL). Each worker keeps
one database connection open for DB_CONN_MAX_AGE seconds.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8001")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count()))
timeout = 60  # the largest XLSX export takes about 20 s at 200,000 rows
graceful_timeout = 20
max_requests = 2000  # recycle workers now and then
max_requests_jitter = 200
preload_app = True
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
# No query strings in the access log: search and reveal are POSTs, but be safe (GUIDE 4: no PII in logs).
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
