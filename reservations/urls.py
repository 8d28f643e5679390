from django.urls import path

from . import views

app_name = "reservations"

urlpatterns = [
    path("", views.ReservationListView.as_view(), name="list"),
    path("new/", views.reservation_create, name="new"),
    path("slots/", views.slots, name="slots"),
    path("<int:pk>/", views.ReservationDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.reservation_edit, name="edit"),
    path("<int:pk>/cancel/", views.reservation_cancel, name="cancel"),
    path("<int:pk>/pickup/", views.reservation_pickup, name="pickup"),
    path("<int:pk>/calendar.ics", views.reservation_calendar, name="calendar"),
]
