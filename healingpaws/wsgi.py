"""WSGI entry point for tooling only: the site itself is served by daphne (ASGI)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healingpaws.settings")

application = get_wsgi_application()
