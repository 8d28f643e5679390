from django.urls import path

from . import views
from .record import document_views, share_views
from .record import views as record_views

app_name = "pets"

urlpatterns = [
    path("", views.PetListView.as_view(), name="list"),
    path("new/", views.pet_create, name="new"),
    path("care-reminders/", record_views.care_reminders, name="care-reminders"),
    path("<int:pk>/", views.PetDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.pet_edit, name="edit"),
    path("<int:pk>/archive/", views.pet_archive, name="archive"),
    path("<int:pk>/weights/", record_views.weight_report, name="weight-report"),
    path(
        "<int:pk>/prescriptions/<int:prescription_pk>/refill/",
        record_views.refill_request,
        name="refill-request",
    ),
    path("<int:pk>/shares/", share_views.share_create, name="share-create"),
    path(
        "<int:pk>/shares/<int:share_pk>/revoke/",
        share_views.share_revoke,
        name="share-revoke",
    ),
    path("shared/<str:token>/", share_views.shared_record, name="shared"),
    path(
        "shared/<str:token>/documents/<int:document_pk>/",
        share_views.shared_document,
        name="shared-document",
    ),
    path(
        "<int:pk>/certificate/",
        document_views.certificate_download,
        name="certificate",
    ),
    path(
        "<int:pk>/documents/<int:document_pk>/",
        document_views.document_download,
        name="document",
    ),
    path("<int:pk>/documents.zip", document_views.documents_zip, name="documents-zip"),
    path(
        "<int:pk>/documents/bundles/<int:bundle_pk>/",
        document_views.bundle_download,
        name="bundle",
    ),
    path("certificates/verify/", document_views.certificate_verify, name="verify"),
    path("<int:pk>/restore/", views.pet_restore, name="restore"),
    path("<int:pk>/photo/", views.pet_photo, {"size": "full"}, name="photo"),
    path(
        "<int:pk>/photo/medium/",
        views.pet_photo,
        {"size": "medium"},
        name="photo-medium",
    ),
    path(
        "<int:pk>/photo/thumbnail/",
        views.pet_photo,
        {"size": "thumbnail"},
        name="photo-thumbnail",
    ),
]
