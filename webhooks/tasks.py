"""The webhooks app's background task, on Django's tasks framework (like verifactu/tasks.py)."""

from django_tasks import task

from webhooks import delivery


@task()
def deliver_webhook(delivery_id: int) -> str:
    """One attempt at a delivery (and the next one queued, if it failed)."""
    return delivery.attempt(delivery_id)
