"""Gunicorn settings of the production web processes (README, "Production").

    .venv/bin/python -m gunicorn -c config/gunicorn.conf.py

Every value can be changed by the environment, so that one file serves every host.
"""

import os

wsgi_app = "config.wsgi:application"
# The application is loaded once, before the workers are forked: they start at once
# (also those that replace a worker after max_requests) and share its memory.
preload_app = True
# The reverse proxy reaches the web processes on this address.
bind = os.environ.get("WEB_BIND", "127.0.0.1:8000")
# Synchronous workers: each serves one request at a time, so WEB_CONCURRENCY is the
# number of requests served at once on this host (2 to 4 per core is usual).
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
# Uploads are up to 10 MB and PDF letters are rendered in the request: allow 60 s.
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
# A worker is replaced after this many requests (with some jitter so that they do not
# all restart together): memory growth cannot build up.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
# Proxies allowed to set X-Forwarded-Proto / X-Forwarded-For (gunicorn's own check;
# Django reads them through SECURE_PROXY_SSL_HEADER and TRUSTED_PROXY_COUNT).
forwarded_allow_ips = os.environ.get("TRUSTED_PROXY_IPS", "127.0.0.1")
# Access log on standard output when WEB_ACCESS_LOG=-, to a file when it names one.
accesslog = os.environ.get("WEB_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("WEB_LOG_LEVEL", "info")
