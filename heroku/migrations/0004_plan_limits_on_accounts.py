"""Each plan's API rate, and every active install's plan limits copied onto its account:
the core apps read limits from the account (accounts.limits), no longer from the plan."""

from django.db import migrations

RATES = {"test": 1_000, "basic": 5_000, "pro": 20_000}  # requests an hour


def forwards(apps, schema_editor):
    Plan = apps.get_model("heroku", "Plan")
    AddonResource = apps.get_model("heroku", "AddonResource")
    Account = apps.get_model("accounts", "Account")
    for slug, rate in RATES.items():
        Plan.objects.filter(slug=slug).update(api_requests_per_hour=rate)
    resources = AddonResource.objects.filter(deprovisioned_at__isnull=True).select_related("plan")
    for resource in resources:
        plan = resource.plan
        Account.objects.filter(pk=resource.account_id).update(
            plan_name=plan.name,
            max_clients=plan.max_clients,
            max_invoices_per_month=plan.max_invoices_per_month,
            api_requests_per_hour=plan.api_requests_per_hour,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("heroku", "0003_plan_rate_limits"),
        ("accounts", "0005_limits"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
