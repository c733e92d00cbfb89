"""Heroku plan slugs are a contract with Heroku (they cannot change once published), so the
plans are data, frozen here. New limits or plans: a new migration."""

from django.db import migrations

PLANS = [
    # slug, name, position, max invoices per month, max clients (None: unlimited)
    ("test", "Test", 0, 10, 5),
    ("basic", "Basic", 1, 100, 100),
    ("pro", "Pro", 2, None, None),
]


def load(apps, schema_editor):
    Plan = apps.get_model("heroku", "Plan")
    for slug, name, position, max_invoices, max_clients in PLANS:
        Plan.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "position": position,
                "max_invoices_per_month": max_invoices,
                "max_clients": max_clients,
            },
        )


def unload(apps, schema_editor):
    # Resources PROTECT their plan: reversible only while no add-on was ever provisioned.
    apps.get_model("heroku", "Plan").objects.filter(slug__in=[p[0] for p in PLANS]).delete()


class Migration(migrations.Migration):
    dependencies = [("heroku", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
