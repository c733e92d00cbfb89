from facturagem.api.routes import route
from verifactu import views

RECORDS = "accounts/(?P<account_id>ID)/verifactu/records"
SUBMISSIONS = "accounts/(?P<account_id>ID)/verifactu/submissions"

urlpatterns = [
    route(RECORDS, views.RecordListView, "verifactu-record-list"),
    route(f"{RECORDS}/(?P<id>ID)", views.RecordDetailView, "verifactu-record-detail"),
    route(f"{RECORDS}/(?P<id>ID)/resend", views.RecordResendView, "verifactu-record-resend"),
    route(SUBMISSIONS, views.SubmissionListView, "verifactu-submission-list"),
    route(f"{SUBMISSIONS}/(?P<id>ID)", views.SubmissionDetailView,
          "verifactu-submission-detail"),
]
