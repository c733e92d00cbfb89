from django.db import models

from certificates.bundle import ENTITY_REPRESENTATIVE, ENTITY_SEAL, NATURAL_PERSON

KIND_CHOICES = [
    (NATURAL_PERSON, "persona física"),
    (ENTITY_REPRESENTATIVE, "representante de persona jurídica"),
    (ENTITY_SEAL, "sello de entidad"),
]


class AccountCertificate(models.Model):
    """An account's qualified certificate for the AEAT. The private key is kept only
    encrypted (`certificates.crypto`, a key from the environment); the password of the
    uploaded file is never kept; the rest is public metadata."""

    account = models.OneToOneField(
        "accounts.Account", on_delete=models.CASCADE, related_name="aeat_certificate",
        verbose_name="cuenta",
    )
    kind = models.CharField("tipo", max_length=30, choices=KIND_CHOICES)
    representative = models.BooleanField(
        "representante", default=False,
        help_text="The certificate is not the taxpayer's but its representative's (asesor, "
        "gestoría, apoderado or colaborador social): messages name it as Representante.",
    )
    tax_id = models.CharField("NIF", max_length=9, help_text="The NIF it presents for.")
    holder_name = models.CharField("titular", max_length=200)
    person_tax_id = models.CharField("NIF de la persona", max_length=9, blank=True, default="")
    person_name = models.CharField("persona", max_length=200, blank=True, default="")
    subject = models.TextField("sujeto")
    issuer = models.TextField("emisor")
    serial_number = models.CharField("número de serie", max_length=64)
    fingerprint = models.CharField("huella SHA-256", max_length=64)
    not_before = models.DateTimeField("válido desde")
    not_after = models.DateTimeField("válido hasta")
    # Public: the certificate and its chain, PEM.
    certificate_pem = models.TextField(editable=False)
    # The private key (PKCS#8) as a Fernet token under CERTIFICATE_ENCRYPTION_KEY.
    private_key_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "certificado AEAT"
        verbose_name_plural = "certificados AEAT"
        ordering = ["account_id"]

    def __str__(self) -> str:
        return f"{self.holder_name} ({self.tax_id})"

    def __repr__(self) -> str:
        return f"<AccountCertificate account={self.account_id} {self.tax_id} {self.fingerprint}>"
