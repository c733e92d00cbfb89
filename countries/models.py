from django.db import models


class Country(models.Model):
    """An ISO 3166-1 country. Loaded from pycountry by a data migration, never by hand."""

    code = models.CharField("alpha-2", max_length=2, primary_key=True)
    alpha3 = models.CharField("alpha-3", max_length=3, unique=True)
    name = models.CharField("nombre", max_length=100)
    name_en = models.CharField("name (English)", max_length=100)
    eu_member = models.BooleanField("EU member", default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = "país"
        verbose_name_plural = "países"

    def __str__(self) -> str:
        return f"{self.code} {self.name}"
