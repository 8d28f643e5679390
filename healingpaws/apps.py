from django.contrib.admin.apps import AdminConfig


class HealingPawsAdminConfig(AdminConfig):
    """Installs the doctor dashboard as the default admin site."""

    default_site = "healingpaws.admin.DoctorDashboardSite"
