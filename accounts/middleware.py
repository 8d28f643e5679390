from django.conf import settings
from django.utils import translation


class PreferredLanguageMiddleware:
    """A logged-in user's profile language wins over the cookie and the browser.

    Sits after AuthenticationMiddleware and LocaleMiddleware. Anonymous visitors
    keep Django's order (cookie, then Accept-Language). The cookie is brought in
    line with the profile, so the choice survives logging out on this device.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = self._profile_language(request)
        if language and language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = language

        response = self.get_response(request)

        # The view may have logged the user in or changed the profile.
        language = self._profile_language(request)
        cookie = settings.LANGUAGE_COOKIE_NAME
        if language and request.COOKIES.get(cookie) != language:
            response.set_cookie(
                cookie,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response

    def _profile_language(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        language = user.preferred_language
        return language if language in self.languages else None
