"""The background tasks of the VERI*FACTU app, on Django's tasks framework (the django-tasks
backport; the backend is the TASKS setting)."""

from django_tasks import task

from verifactu import sending


@task()
def send_records(installation_id: int, due: str | None = None) -> str:
    """Sends the issuer's pending records that may go now, and queues the next look.
    `due`: the time it was queued for (it clears the issuer's "a task is queued" mark)."""
    return sending.run(installation_id, due=due)
