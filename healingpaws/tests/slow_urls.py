"""A URLconf for the request limit's tests: a view that holds its thread until
the test lets it go, counting how many run at once."""

import threading

from django.http import HttpResponse
from django.urls import path


class Gate:
    lock = threading.Lock()
    running = 0
    most = 0
    open = threading.Event()

    @classmethod
    def reset(cls):
        cls.running = cls.most = 0
        cls.open = threading.Event()


def slow(request):
    with Gate.lock:
        Gate.running += 1
        Gate.most = max(Gate.most, Gate.running)
    try:
        Gate.open.wait(timeout=20)
    finally:
        with Gate.lock:
            Gate.running -= 1
    return HttpResponse("done")


urlpatterns = [path("slow/", slow)]
