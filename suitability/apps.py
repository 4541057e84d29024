from django.apps import AppConfig


class SuitabilityConfig(AppConfig):
    name = "suitability"
    verbose_name = "Suitability"
