"""Sections other apps add to the profile page (care reminders, from pets):
a template each, drawn with the page's context after the profile form.
Registered in their AppConfig.ready(), as accounts names no higher app."""

_sections: list[str] = []


def profile_section_register(template_name: str) -> None:
    if template_name not in _sections:
        _sections.append(template_name)


def profile_sections() -> tuple[str, ...]:
    return tuple(_sections)
