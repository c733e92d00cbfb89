from django.db import models

from accounts.models import Account, User


class Plan(models.Model):
    """What an add-on plan allows; provisioning and plan changes copy it onto the account's
    own limits (accounts.limits), which is what clients and invoices read.

    Rows come from a data migration: Heroku's plan slugs
    are a contract with Heroku that can never change, and a resource points at its plan
    with a foreign key, so an unknown plan cannot be stored. Limits change through a new
    migration (reviewed like code), never through the admin, which shows them read-only."""

    slug = models.SlugField(primary_key=True, max_length=50)
    name = models.CharField(max_length=100)
    position = models.PositiveSmallIntegerField(default=0)
    max_invoices_per_month = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: unlimited."
    )
    max_clients = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: unlimited.")
    api_requests_per_hour = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: the service's default."
    )

    class Meta:
        verbose_name = "plan"
        verbose_name_plural = "plans"
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.name


class AddonResource(models.Model):
    """One Heroku add-on install: the app's FACTURAgem account and the user SSO signs in as.

    Deprovisioning keeps the row (with `deprovisioned_at`) and every record of the account:
    invoices are legal records that Spain requires to be kept for years. The uuid stays
    taken, so that Heroku's at-least-once delivery cannot resurrect a removed add-on.
    Nothing of the provisioning `oauth_grant` is stored: FACTURAgem never calls Heroku's
    Platform API on the app's behalf.
    """

    uuid = models.UUIDField(editable=False)
    account = models.OneToOneField(
        Account, on_delete=models.PROTECT, related_name="heroku_resource"
    )
    owner = models.OneToOneField(User, on_delete=models.PROTECT, related_name="heroku_resource")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="resources")
    name = models.CharField(
        max_length=255, blank=True, default="", help_text="The add-on's name on Heroku."
    )
    region = models.CharField(max_length=100, blank=True, default="")
    callback_url = models.CharField(max_length=500, blank=True, default="")
    options = models.JSONField(default=dict, blank=True)
    provisioned_at = models.DateTimeField(auto_now_add=True)
    plan_changed_at = models.DateTimeField(null=True, blank=True)
    deprovisioned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "Heroku add-on resource"
        verbose_name_plural = "Heroku add-on resources"
        ordering = ["-provisioned_at", "-id"]
        constraints = [
            # Heroku delivers at least once: the database, not a check-then-insert,
            # guarantees one account per uuid under concurrent retries.
            models.UniqueConstraint(fields=["uuid"], name="heroku_resource_uuid_unique"),
        ]

    def __str__(self) -> str:
        return str(self.uuid)

    @property
    def is_active(self) -> bool:
        return self.deprovisioned_at is None
