from django.apps import AppConfig


class FacturaeConfig(AppConfig):
    name = "facturae"
    verbose_name = "FacturaE"
