"""Accounts and users for staff.

Staff users (`is_staff`) and API users (members of an account) are separate: the admin
lets in only staff, and API sessions (`services.session_create`) only users of an active
account. Passwords go through Django's hashing (UserAdmin's forms); the api_key's salt and
digest are never shown — only whether the user has an API session open.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UsernameField
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html

from accounts import services
from accounts.models import Account, User
from accounts.serializers import INVALID_IVA_RATE
from facturagem.admin import ConstantQueriesAdmin, ReadOnlyMixin, TimestampsMixin, local_datetime
from facturagem.validators import normalize_iban, normalize_tax_id, validate_iban, validate_tax_id
from invoices.taxes import IVA_RATES

LOGIN_TAKEN = "Ya existe un usuario con este login."


# -- accounts ---------------------------------------------------------------------------------


class AccountAdminForm(forms.ModelForm):
    """Tax id and IBAN normalised and checked as the API does (`b-12.345.674` → `B12345674`)."""

    class Meta:
        model = Account
        fields = (
            "name", "tax_id", "email", "phone", "website", "is_active", "street1", "street2",
            "postal_code", "city", "province", "country", "iban", "default_iva_percent",
            "default_irpf_percent", "invoice_footer",
        )
        labels = {"country": "País"}

    def clean(self):
        cleaned = super().clean()
        country = cleaned.get("country")
        if "tax_id" in cleaned:
            cleaned["tax_id"] = normalize_tax_id(cleaned["tax_id"])
            try:
                validate_tax_id(cleaned["tax_id"], country.code if country else None)
            except ValidationError as error:
                self.add_error("tax_id", error)
        if cleaned.get("default_iva_percent") is not None and (
            cleaned["default_iva_percent"] not in IVA_RATES
        ):
            self.add_error("default_iva_percent", INVALID_IVA_RATE)
        if "iban" in cleaned:
            cleaned["iban"] = normalize_iban(cleaned["iban"])
            try:
                validate_iban(cleaned["iban"])
            except ValidationError as error:
                self.add_error("iban", error)
        return cleaned


class UserInline(ReadOnlyMixin, admin.TabularInline):
    """The account's users, shown; they are edited (and added) in the user admin."""

    model = User
    fields = ("login", "email", "full_name", "active", "last_login")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    verbose_name_plural = "usuarios (se editan y se añaden en «Usuarios»)"

    @admin.display(description="nombre")
    def full_name(self, user: User) -> str:
        return " ".join(part for part in (user.first_name, user.last_name) if part)

    @admin.display(boolean=True, description="activo")
    def active(self, user: User) -> bool:
        return user.is_active



@admin.register(Account)
class AccountAdmin(TimestampsMixin, ConstantQueriesAdmin):
    form = AccountAdminForm
    list_display = ("name", "tax_id", "email", "city", "country_code", "active", "created",
                    "invoices_link")
    changelist_only = ("id", "name", "tax_id", "email", "city", "country", "is_active",
                       "created_at")
    list_select_related = False
    list_filter = ("is_active", ("country", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "tax_id", "email", "users__login", "users__email")
    search_help_text = "Nombre, NIF o e-mail de la cuenta, o login/e-mail de sus usuarios."
    readonly_fields = ("currency", "created", "updated")
    inlines = [UserInline]
    fieldsets = (
        (None, {"fields": ("name", "tax_id", "email", "phone", "website", "is_active")}),
        ("Dirección", {"fields": ("street1", "street2", "postal_code", "city", "province",
                                  "country")}),
        ("Facturación", {"fields": ("iban", "currency", "default_iva_percent",
                                    "default_irpf_percent", "invoice_footer")}),
        ("Registro", {"fields": ("created", "updated")}),
    )

    @admin.display(description="país", ordering="country")
    def country_code(self, account: Account) -> str:
        return account.country_id

    @admin.display(boolean=True, description="activa", ordering="is_active")
    def active(self, account: Account) -> bool:
        return account.is_active

    @admin.display(description="facturas")
    def invoices_link(self, account: Account) -> str:
        url = reverse("admin:invoices_invoice_changelist")
        return format_html('<a href="{}?account={}">Ver facturas</a>', url, account.pk)

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.save()
            return
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        if "country" in data:
            data["country"] = data["country"].code
        services.account_update(account=obj, data=data)


# -- users ------------------------------------------------------------------------------------


def _login_taken(form: forms.ModelForm, login: str) -> bool:
    others = User.objects.filter(login__iexact=login)
    if form.instance.pk:
        others = others.exclude(pk=form.instance.pk)
    return others.exists()


USER_LABELS = {
    "email": "Correo electrónico", "first_name": "Nombre", "last_name": "Apellidos",
    "account": "Cuenta", "is_active": "Activo", "is_staff": "Es staff",
    "is_superuser": "Es superusuario",
}


class UserCreationForm(AdminUserCreationForm):
    """Django's admin creation form (hashed password, or none), for `accounts.User`."""

    class Meta:
        model = User
        fields = ("login", "email", "first_name", "last_name", "account")
        field_classes = {"login": UsernameField}
        labels = USER_LABELS

    def clean_login(self) -> str:
        login = self.cleaned_data.get("login")
        if login and _login_taken(self, login):
            raise ValidationError(LOGIN_TAKEN)
        return login


class UserChangeForm(DjangoUserChangeForm):
    class Meta:
        model = User
        # Never api_key_salt nor api_key_digest (not editable in the model either).
        fields = (
            "login", "password", "first_name", "last_name", "email", "account", "is_active",
            "is_staff", "is_superuser", "groups", "user_permissions",
        )
        field_classes = {"login": UsernameField}
        labels = USER_LABELS

    def clean_login(self) -> str:
        login = self.cleaned_data.get("login")
        if login and _login_taken(self, login):
            raise ValidationError(LOGIN_TAKEN)
        return login


class UserKindFilter(admin.SimpleListFilter):
    title = "tipo"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("api", "De una cuenta (API)"), ("staff", "Personal (sin cuenta)")]

    def queryset(self, request, queryset):
        if self.value() == "api":
            return queryset.filter(account__isnull=False)
        if self.value() == "staff":
            return queryset.filter(account__isnull=True)
        return queryset


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = ("login", "email", "full_name", "account_column", "staff", "active",
                    "has_api_session")
    list_select_related = ("account",)
    list_filter = (UserKindFilter, "is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("login", "email", "first_name", "last_name", "account__name")
    ordering = ("login",)
    autocomplete_fields = ("account",)
    readonly_fields = ("has_api_session", "last_login", "joined")
    list_per_page = 50
    actions = ["revoke_api_keys"]
    fieldsets = (
        (None, {"fields": ("login", "password")}),
        ("Datos personales", {"fields": ("first_name", "last_name", "email")}),
        ("API", {
            "description": "Solo los usuarios de una cuenta activa abren sesiones de la API. "
                           "El api_key no se guarda: no se puede ver aquí.",
            "fields": ("account", "has_api_session"),
        }),
        ("Permisos", {
            "description": "«Es staff» da acceso a esta administración, no a la API.",
            "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
        }),
        ("Fechas", {"fields": ("last_login", "joined")}),
    )
    add_fieldsets = (
        (None, {
            "classes": ("wide",),
            "fields": ("login", "email", "first_name", "last_name", "account",
                       "usable_password", "password1", "password2"),
        }),
    )

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # As Django does for passwords: no filtering the changelist by the key's salt or
        # digest (`?api_key_salt__startswith=…` would read them out one character at a time).
        return not lookup.startswith("api_key") and super().lookup_allowed(
            lookup, value, request
        )

    @admin.display(description="nombre", ordering="first_name")
    def full_name(self, user: User) -> str:
        return " ".join(part for part in (user.first_name, user.last_name) if part)

    @admin.display(description="cuenta", ordering="account__name")
    def account_column(self, user: User) -> str:
        return str(user.account) if user.account_id else "—"

    @admin.display(boolean=True, description="staff", ordering="is_staff")
    def staff(self, user: User) -> bool:
        return user.is_staff

    @admin.display(boolean=True, description="activo", ordering="is_active")
    def active(self, user: User) -> bool:
        return user.is_active

    @admin.display(description="alta")
    def joined(self, user: User) -> str:
        return local_datetime(user.date_joined)

    @admin.display(boolean=True, description="sesión API abierta")
    def has_api_session(self, user: User) -> bool:
        return bool(user.api_key_digest)

    @admin.action(description="Cerrar sus sesiones de la API (invalida el api_key)",
                  permissions=["change"])
    def revoke_api_keys(self, request, queryset) -> None:
        count = 0
        for user in queryset:
            services.session_destroy(user=user)
            count += 1
        self.message_user(request, f"api_key invalidado para {count} usuario(s).",
                          messages.SUCCESS)
