from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify

PERCENT_VALIDATORS = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class WebsiteField(models.URLField):
    """A URL typed without a scheme in a form (the admin) means https, as in Django 6."""

    def formfield(self, **kwargs):
        return super().formfield(**{"assume_scheme": "https", **kwargs})


class Address(models.Model):
    """Fiscal identity and postal address, shared by accounts and clients."""

    name = models.CharField("nombre o razón social", max_length=200)
    tax_id = models.CharField("NIF", max_length=20, blank=True, default="")
    email = models.EmailField(blank=True, default="")
    phone = models.CharField("teléfono", max_length=40, blank=True, default="")
    street1 = models.CharField("dirección", max_length=200, blank=True, default="")
    street2 = models.CharField("dirección (2)", max_length=200, blank=True, default="")
    city = models.CharField("población", max_length=100, blank=True, default="")
    province = models.CharField("provincia", max_length=100, blank=True, default="")
    postal_code = models.CharField("código postal", max_length=20, blank=True, default="")
    country = models.ForeignKey(
        "countries.Country", on_delete=models.PROTECT, default="ES", related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def slug(self) -> str:
        # Memoised per name: every link of a list repeats the account's path.
        cached = self.__dict__.get("_slug")
        if cached is None or cached[0] != self.name:
            cached = self.__dict__["_slug"] = (self.name, slugify(self.name) or "-")
        return cached[1]

    @property
    def url_id(self) -> str:
        """`<id>-<slug>`, the Rails `to_param` the v1 API renders in its URLs."""
        return f"{self.pk}-{self.slug}"


class Account(Address):
    """A tenant: the business that issues invoices."""

    website = WebsiteField("web", blank=True, default="")
    iban = models.CharField("IBAN", max_length=34, blank=True, default="")
    currency = models.CharField("moneda", max_length=3, default="EUR", editable=False)
    default_iva_percent = models.DecimalField(
        "IVA por defecto", max_digits=5, decimal_places=2, default=Decimal("21.00")
    )
    default_irpf_percent = models.DecimalField(
        "IRPF por defecto",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=PERCENT_VALIDATORS,
    )
    invoice_footer = models.TextField("pie de factura", blank=True, default="", max_length=2000)
    # VERI*FACTU (CONTRACT §8): on for every new account; off only for taxpayers outside
    # the system (SII filers, the Basque Country and Navarre, issuers outside Spain).
    verifactu = models.BooleanField(
        "VERI*FACTU",
        default=True,
        help_text="Issued invoices are unalterable and each issue, correction and void "
        "appends a chained record sent to the AEAT.",
    )
    corrective_series = models.CharField(
        "serie rectificativa",
        max_length=10,
        default="R",
        help_text="Corrective invoices are numbered in a series of their own "
        "(RD 1619/2012 art. 6.1.a).",
    )
    simplified_invoice_limit = models.DecimalField(
        "límite de factura simplificada",
        max_digits=7,
        decimal_places=2,
        default=Decimal("400.00"),
        help_text="400 € in general; 3,000 € for the activities of RD 1619/2012 art. 4.1.b.",
    )
    is_active = models.BooleanField(
        "activa",
        default=True,
        help_text="An inactive account keeps its data (invoices are legal records) "
        "but none of its api_keys work.",
    )
    # Limits (accounts.limits): set by whoever sells the plan (the Heroku add-on maps its
    # plans onto them). Empty: no limit, or for requests the service's default.
    plan_name = models.CharField("plan", max_length=100, blank=True, default="")
    max_clients = models.PositiveIntegerField(
        "clientes como máximo", null=True, blank=True, help_text="Empty: unlimited."
    )
    max_invoices_per_month = models.PositiveIntegerField(
        "facturas al mes como máximo", null=True, blank=True, help_text="Empty: unlimited."
    )
    api_requests_per_hour = models.PositiveIntegerField(
        "peticiones a la API por hora",
        null=True,
        blank=True,
        help_text="Empty: the service's default (API_RATE_LIMIT_PER_HOUR).",
    )

    class Meta:
        verbose_name = "cuenta"
        verbose_name_plural = "cuentas"
        ordering = ["id"]


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, login: str, password: str | None = None, **fields) -> "User":
        if not login:
            raise ValueError("A user needs a login")
        fields["email"] = self.normalize_email(fields.get("email", ""))
        user = self.model(login=login, **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, login: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(login, password, **fields)

    def get_by_natural_key(self, login: str) -> "User":
        return self.get(login__iexact=login)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in. API users belong to one Account; staff users need none."""

    login = models.CharField(max_length=150, unique=True)
    email = models.EmailField(blank=True, default="")
    first_name = models.CharField(max_length=150, blank=True, default="")
    last_name = models.CharField(max_length=150, blank=True, default="")
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    is_staff = models.BooleanField(
        default=False, help_text="Can log into the Django admin. Unrelated to API access."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # The api_key is never stored: only the per-user salt it is derived from (HMAC under
    # settings.API_KEY_SECRET) and a SHA-256 digest to find the user by. See accounts.api_keys.
    api_key_salt = models.CharField(max_length=64, blank=True, default="", editable=False)
    api_key_digest = models.CharField(
        max_length=64, null=True, blank=True, unique=True, editable=False
    )

    objects = UserManager()

    USERNAME_FIELD = "login"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = "usuario"
        verbose_name_plural = "usuarios"
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_unique_ci",
            ),
            models.UniqueConstraint(Lower("login"), name="accounts_user_login_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.login
