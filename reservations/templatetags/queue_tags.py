"""The doctor dashboard's one-click queue buttons (admin queue page, Today panel)."""

from django import template

from reservations import states
from reservations.admin.queue import NEXT_STEP_LABELS, may_take_step

register = template.Library()


@register.simple_tag(takes_context=True)
def next_step(context, visit):
    """(state, label) of the button that moves `visit` one step on, or None
    when there is no next step or the user may not take it."""
    request = context.get("request")
    to_state = states.next_state(visit)
    if to_state is None or request is None:
        return None
    if not may_take_step(request.user, visit, to_state):
        return None
    return to_state, NEXT_STEP_LABELS[to_state]
