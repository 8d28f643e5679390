from django.urls import path

from . import access_log_views, claim_views, data_views, second_factor, views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/avatar/", views.avatar_upload, name="avatar-upload"),
    path("profile/avatar/remove/", views.avatar_remove, name="avatar-remove"),
    path("avatars/<int:pk>/", views.avatar, name="avatar"),
    path(
        "avatars/<int:pk>/thumbnail/",
        views.avatar,
        {"size": "thumbnail"},
        name="avatar-thumbnail",
    ),
    path("check/", views.live_check, name="live-check"),
    path("profile/data/", data_views.export_request, name="export-request"),
    path(
        "profile/data/<str:token>/",
        data_views.export_download,
        name="export-download",
    ),
    path(
        "profile/access/", access_log_views.AccessLogView.as_view(), name="access-log"
    ),
    path("profile/close/", data_views.close_account, name="close"),
    # A walk-in's account: the claim invitation's link (accounts/unclaimed.py).
    path("claim/<str:uidb36>/<str:token>/", claim_views.claim, name="claim"),
    path("profile/close/cancel/", data_views.close_account_cancel, name="close-cancel"),
    # Before allauth's own (healingpaws/urls.py includes this module first).
    path(
        "2fa/webauthn/keys/<int:pk>/remove/",
        second_factor.remove_security_key,
        name="remove-security-key",
    ),
]

# Mounted at /notifications/ (PRODUCT.md section 7), in their own namespace.
notification_urlpatterns = (
    [
        path("", views.NotificationListView.as_view(), name="list"),
        path("read-all/", views.notifications_read_all, name="read-all"),
        path("<int:pk>/", views.notification_open, name="open"),
    ],
    "notifications",
)
