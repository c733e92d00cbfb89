from django.db import migrations


def load(apps, schema_editor):
    from countries.data import iso_countries

    Country = apps.get_model("countries", "Country")
    Country.objects.bulk_create(
        [Country(**row._asdict()) for row in iso_countries()],
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["alpha3", "name", "name_en", "eu_member"],
    )


def unload(apps, schema_editor):
    # Reversible while nothing points at a country; accounts and clients PROTECT theirs.
    apps.get_model("countries", "Country").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("countries", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
