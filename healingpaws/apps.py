from django.contrib.admin.apps import AdminConfig


class HealingPawsAdminConfig(AdminConfig):
    """Installs the doctor dashboard as the default admin site."""

    default_site = "healingpaws.admin.DoctorDashboardSite"

    def ready(self):
        super().ready()
        # Catalog checks and reloads for every process (healingpaws/catalogs.py).
        from rosetta.signals import post_save

        from . import admin_rows, admin_text, catalogs

        catalogs.install()
        admin_text.install()
        admin_rows.install()
        post_save.connect(catalogs.catalogs_changed, dispatch_uid="catalogs-changed")
