"""{% cached_part %}: a part of a signed-in user's page, kept rendered until
what it shows changes (core/page_parts.py).

    {% load page_parts %}
    {% cached_part "my-visits" view.part_generations view.page_number %}
      ...
    {% endcached_part %}

The first argument names the part, the second is the list of generations it
is kept under (the view's, as it knows what the part shows), any more vary
it (keep them bounded: never a raw query string). Without generations (None:
the view keeps this page's part only in some cases), and for anonymous
visitors, the part is rendered every time.
"""

from django import template

from core import page_parts

register = template.Library()


class CachedPartNode(template.Node):
    def __init__(self, nodelist, name, generations, vary):
        self.nodelist = nodelist
        self.name = name
        self.generations = generations
        self.vary = vary

    def render(self, context):
        # No user: a page answered before the authentication middleware ran
        # (a body over the limit gets its 413 page there).
        user = getattr(context["request"], "user", None)
        generations = self.generations.resolve(context)
        if user is None or not user.is_authenticated or not generations:
            return self.nodelist.render(context)

        def render():
            with context.push(
                csrf_token=page_parts.csrf_placeholder(),
                request_full_path=page_parts.path_placeholder(),
            ):
                return str(self.nodelist.render(context))

        return page_parts.cached_part(
            context["request"],
            name=self.name.resolve(context),
            generations=generations,
            vary=[value.resolve(context) for value in self.vary],
            render=render,
            csrf_token=lambda: context.get("csrf_token", ""),
            full_path=context["request"].get_full_path,
        )


@register.tag
def cached_part(parser, token):
    bits = token.split_contents()
    if len(bits) < 3:
        raise template.TemplateSyntaxError(
            f"{bits[0]} takes a name and a list of generations"
        )
    nodelist = parser.parse(("endcached_part",))
    parser.delete_first_token()
    name, generations, *vary = (parser.compile_filter(bit) for bit in bits[1:])
    return CachedPartNode(nodelist, name, generations, vary)
