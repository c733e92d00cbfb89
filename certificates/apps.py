from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Certificados AEAT"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from certificates import checks  # noqa: F401  (registers the system checks)
