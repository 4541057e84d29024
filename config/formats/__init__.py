"""The formats MLFit reads and writes dates and numbers in (settings.FORMAT_MODULE_PATH).

Django's own en_GB formats win over settings.DATE_FORMAT and its kin, so the product's choices are
set here, once: "4 Dec 2026" for a date, "4 Dec 2026, 14:05" where the time matters. Templates
write `|date` or `|date:"DATETIME_FORMAT"`, Python `django.utils.formats.date_format`. Exports
(CSV, JSON, the API) keep ISO 8601: programs read them.
"""
