from django.apps import AppConfig


class HerokuConfig(AppConfig):
    name = "heroku"
    verbose_name = "Heroku add-on"

    def ready(self) -> None:
        from heroku import checks  # noqa: F401  (registers the system checks)
