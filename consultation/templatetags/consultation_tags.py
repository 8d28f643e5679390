from django import template

from core import presence

register = template.Library()


@register.inclusion_tag("consultation/includes/online_now.html")
def online_now(role):
    """How many doctors (or customers) are online now; live.js keeps it up to
    date on signed-in pages. Nothing when presence is unknown."""
    return {"role": role, "count": presence.online_count(role)}
