"""The add-on's dashboard shows the law's warning while VERI*FACTU records are not yet at the
AEAT (Orden HAC/1177/2024 art. 16.4): how many, since when, and why."""

from accounts.models import Account
from heroku.models import AddonResource
from tests.factories import make_invoice
from verifactu import sending
from verifactu.models import Record


def test_the_dashboard_warns_while_records_are_pending(heroku, provisioned, sso_form):
    uuid, _ = provisioned
    account = AddonResource.objects.get(uuid=uuid).account
    Account.objects.filter(pk=account.pk).update(tax_id="B12345674")
    account.refresh_from_db()
    make_invoice(account)
    sending.send_next(installation_id=account.verifactu_installation.pk)  # no certificate
    heroku.sso(sso_form(uuid))

    html = heroku.get("/heroku/dashboard").content.decode()

    assert 'id="verifactu-pending"' in html
    since = Record.objects.get().generated_at
    assert f"<strong>1</strong> VERI*FACTU record pending since {since}." in html
    assert "no AEAT certificate configured" in html


def test_the_dashboard_says_nothing_when_nothing_is_pending(heroku, provisioned, sso_form):
    uuid, _ = provisioned
    heroku.sso(sso_form(uuid))

    html = heroku.get("/heroku/dashboard").content.decode()

    assert 'id="verifactu-pending"' not in html
