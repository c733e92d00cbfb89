from facturagem.api.routes import route
from verifactu import views

RECORDS = "accounts/(?P<account_id>ID)/verifactu/records"

urlpatterns = [
    route(RECORDS, views.RecordListView, "verifactu-record-list"),
    route(f"{RECORDS}/(?P<id>ID)", views.RecordDetailView, "verifactu-record-detail"),
]
