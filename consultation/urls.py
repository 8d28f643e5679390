from django.urls import path

from . import views

app_name = "consultation"

urlpatterns = [
    path("", views.ThreadListView.as_view(), name="list"),
    path("new/", views.thread_create, name="new"),
    path("<int:pk>/", views.thread_detail, name="detail"),
    path("<int:pk>/messages/", views.thread_messages, name="messages"),
    path(
        "<int:pk>/photo/<int:message_pk>/",
        views.message_photo,
        {"size": "full"},
        name="photo",
    ),
    path(
        "<int:pk>/photo/<int:message_pk>/thumbnail/",
        views.message_photo,
        {"size": "thumbnail"},
        name="photo-thumbnail",
    ),
]
