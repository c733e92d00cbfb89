import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import services
from accounts.models import User
from clients.services import client_create
from invoices.services import (
    LineData,
    invoice_correct,
    invoice_create,
    invoice_register_payment,
    invoice_void,
)

DEMO_LOGIN = "demo"
DEMO_PASSWORD = "demo-password"  # noqa: S105 - the published password of the demo account


class Command(BaseCommand):
    help = "Creates (once) a demo account with clients and invoices; prints how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args, **options):
        user = User.objects.filter(login=DEMO_LOGIN).first() or self.create_demo()
        base = options["base_url"].rstrip("/")
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "FACTURAgem demo account",
                    f"  login:      {DEMO_LOGIN}",
                    f"  password:   {DEMO_PASSWORD}",
                    f"  account:    {base}/api/v1/accounts/{user.account.url_id}.json",
                    f"  playground: {base}/playground/",
                    f"  try:        curl -X POST {base}/api/v1/session.json "
                    f"-d login={DEMO_LOGIN} -d password={DEMO_PASSWORD}",
                    "",
                ]
            )
        )

    @transaction.atomic
    def create_demo(self) -> User:
        user = services.account_create(
            login=DEMO_LOGIN,
            password=DEMO_PASSWORD,
            email="demo@facturagem.example",
            account_name="Estudio Demo SL",
            tax_id="B12345674",
            first_name="Demo",
            last_name="FACTURAgem",
            street1="Calle Mayor 1",
            city="Madrid",
            province="Madrid",
            postal_code="28013",
            iban="ES9121000418450200051332",
            invoice_footer="Inscrita en el Registro Mercantil de Madrid.",
        )
        account = user.account
        retailer = client_create(
            account=account,
            data={
                "name": "Ferretería López SL",
                "tax_id": "A58818501",
                "street1": "Avenida de la Constitución 12",
                "city": "Sevilla",
                "province": "Sevilla",
                "postal_code": "41001",
                "equivalence_surcharge": True,
            },
        )
        agency = client_create(
            account=account,
            data={
                "name": "Agencia Núñez y Asociados SL",
                "tax_id": "Q2826000H",
                "street1": "Passeig de Gràcia 50",
                "city": "Barcelona",
                "province": "Barcelona",
                "postal_code": "08007",
            },
        )
        bookshop = client_create(
            account=account,
            data={"name": "Bücher GmbH", "tax_id": "DE136695976", "country": "DE",
                  "street1": "Friedrichstraße 100", "city": "Berlin", "postal_code": "10117"},
        )
        today = datetime.date.today()
        first = invoice_create(
            account=account,
            client=agency,
            lines=[
                LineData("Diseño de identidad corporativa", Decimal("1"), Decimal("1200"),
                         Decimal("21")),
                LineData("Horas de consultoría", Decimal("6.5"), Decimal("60"), Decimal("21")),
                LineData("Manual de estilo impreso", Decimal("2"), Decimal("35"), Decimal("4")),
            ],
            data={"irpf_percent": Decimal("15"), "issue_date": today - datetime.timedelta(30),
                  "due_date": today, "notes": "Gracias por su confianza."},
        )
        invoice_register_payment(invoice=first, amount=Decimal("500.00"))
        supplies = invoice_create(
            account=account,
            client=retailer,
            lines=[
                LineData("Tornillería surtida (caja)", Decimal("40"), Decimal("3.25"),
                         Decimal("21")),
                LineData("Guantes de trabajo", Decimal("25"), Decimal("4.10"), Decimal("21")),
                LineData("Pan de molde", Decimal("10"), Decimal("1.80"), Decimal("4")),
            ],
            data={"due_date": today + datetime.timedelta(30)},
        )
        # Five pairs of gloves came back: a corrective invoice by differences (R1).
        invoice_correct(
            invoice=supplies,
            reason="Devolución de 5 pares de guantes defectuosos",
            lines=[LineData("Guantes de trabajo (devolución)", Decimal("-5"), Decimal("4.10"),
                            Decimal("21"))],
        )
        # A service to a German business: not subject to Spanish IVA (reverse charge there).
        invoice_create(
            account=account,
            client=bookshop,
            lines=[LineData("Diseño de cubierta", Decimal("1"), Decimal("850"), Decimal("0"),
                            treatment="N2")],
            data={"due_date": today + datetime.timedelta(30)},
        )
        # Issued twice by mistake: the duplicate is voided (its number stays consumed).
        duplicate = invoice_create(
            account=account,
            client=agency,
            lines=[LineData("Horas de consultoría", Decimal("2"), Decimal("60"),
                            Decimal("21"))],
            data={},
        )
        invoice_void(invoice=duplicate, reason="Emitida dos veces por error")
        return user
