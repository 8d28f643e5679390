"""Browser journeys: Chromium, driven by Playwright, against the real ASGI stack."""
