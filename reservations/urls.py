from django.urls import path

from . import slot_views, views, waitlist_views

app_name = "reservations"

urlpatterns = [
    path("", views.ReservationListView.as_view(), name="list"),
    path("new/", views.reservation_create, name="new"),
    path("slots/", slot_views.slots, name="slots"),
    path("waitlist/new/", waitlist_views.waitlist_join, name="waitlist-new"),
    path(
        "waitlist/<int:pk>/",
        waitlist_views.waitlist_offer,
        name="waitlist-offer",
    ),
    path(
        "waitlist/<int:pk>/leave/",
        waitlist_views.waitlist_leave,
        name="waitlist-leave",
    ),
    path("<int:pk>/", views.ReservationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.reservation_edit, name="edit"),
    path("<int:pk>/cancel/", views.reservation_cancel, name="cancel"),
    path("<int:pk>/pickup/", views.reservation_pickup, name="pickup"),
    path("<int:pk>/calendar.ics", views.reservation_calendar, name="calendar"),
]
