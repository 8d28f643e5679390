"""Helpers for data migrations. They receive the historical `apps` registry
and must keep working for every migration that already calls them."""

from django.contrib.auth.management import create_permissions


def grant_permissions(apps, *, group_name, app_label, codenames):
    """Give a group an app's model permissions, creating both if needed.

    Permissions are normally made after all migrations (post_migrate); this
    makes the app's own now so that they can be granted in the same run.
    """
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True  # the migration state's stub lacks it
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=group_name)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label=app_label, codename__in=codenames
        )
    )
    return group


def revoke_permissions(apps, *, group_name, app_label, codenames):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name=group_name):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label=app_label, codename__in=codenames
            )
        )
