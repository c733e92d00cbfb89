from django.apps import AppConfig


class VerifactuConfig(AppConfig):
    name = "verifactu"
    verbose_name = "VERI*FACTU"
    default_auto_field = "django.db.models.BigAutoField"
