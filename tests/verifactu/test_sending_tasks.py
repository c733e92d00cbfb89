"""How sends get scheduled on the task engine (django-tasks, database backend): a send is
queued when an issue commits (never inside it), once per issuer; each task queues the next
look when records remain; the worker's sweep catches what no task covers; the worker runs
them for real (django-tasks-db's worker, in batch mode here)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.management.commands.demo import DEMO_LOGIN
from accounts.models import User
from certificates.services import certificate_upload
from tests.factories import make_client, make_invoice
from tests.verifactu import aeat_standin as aeat
from verifactu import sending
from verifactu.models import Record, SendingState, Submission

SEND_TASK = "verifactu.tasks.send_records"


def queued() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=SEND_TASK, status="READY")
                .order_by("enqueued_at"))


# The worker commits as it goes and closes connections that are inside a transaction (a
# test's): tests that run it commit for real, and put the data they flush back afterwards.
with_the_worker = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_worker() -> None:
    """The database backend's worker: every task that is due, then it stops."""
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0,
                 stdout=io.StringIO())


@pytest.fixture
def issuer(alice, pki, aeat_standin):
    certificate_upload(account=alice.account, data=pki.taxpayer.pkcs12("pw"), password="pw")
    return alice.account


def test_issuing_queues_a_send_only_once_the_issue_commits(
        issuer, django_capture_on_commit_callbacks):
    client = make_client(issuer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        make_invoice(issuer, client)
        assert queued() == []  # nothing inside the issuing transaction
    for callback in callbacks:
        callback()

    [task] = queued()
    assert task.args_kwargs["args"][0] == issuer.verifactu_installation.pk


def test_many_issues_queue_one_send(issuer, django_capture_on_commit_callbacks):
    client = make_client(issuer)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            make_invoice(issuer, client)

    assert len(queued()) == 1


@with_the_worker
def test_the_worker_sends_what_the_issue_queued(issuer, aeat_standin):
    make_invoice(issuer)  # its send is queued as the issue commits

    run_worker()

    assert Record.objects.get().status == Record.Status.ACCEPTED
    assert len(aeat_standin.requests) == 1
    assert queued() == []  # nothing left: nothing planned
    assert SendingState.objects.get().task_due_at is None


@with_the_worker
def test_records_issued_during_the_wait_are_queued_for_its_end(issuer, aeat_standin):
    aeat_standin.script(aeat.correct(wait=30))
    make_invoice(issuer)
    run_worker()
    make_invoice(issuer)

    [task] = queued()
    state = SendingState.objects.get()
    assert task.run_after == state.not_before
    assert 25 <= (task.run_after - timezone.now()).total_seconds() <= 31


@with_the_worker
def test_a_failed_send_queues_its_retry_at_the_backoff(issuer, aeat_standin):
    aeat_standin.script(aeat.fault("server", None, text="Error interno"))
    make_invoice(issuer)

    run_worker()

    [task] = queued()
    assert task.run_after == SendingState.objects.get().not_before
    assert Record.objects.get().status == Record.Status.PENDING


@with_the_worker
def test_the_sweep_queues_a_send_for_pending_records_that_have_none(issuer, aeat_standin):
    make_invoice(issuer)
    DBTaskResult.objects.all().delete()  # its queued send is lost (a worker killed, say)
    SendingState.objects.update(task_due_at=timezone.now() - datetime.timedelta(hours=1))

    assert sending.sweep() == 1
    assert sending.sweep() == 0  # queued already
    run_worker()

    assert Record.objects.get().status == Record.Status.ACCEPTED


def test_the_sweep_replaces_a_task_that_was_lost(issuer):
    make_invoice(issuer)
    sending.sweep()
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    SendingState.objects.update(task_due_at=long_ago)  # its worker died with it

    assert sending.sweep() == 1


def test_the_worker_command_needs_the_database_backend(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}

    with pytest.raises(CommandError, match="run that backend's own worker"):
        call_command("worker")


@with_the_worker
def test_a_newcomers_demo_records_say_no_certificate_is_configured(db):
    call_command("demo", stdout=io.StringIO())  # its records' sends queued as it commits
    account = User.objects.get(login=DEMO_LOGIN).account
    assert Record.objects.filter(account=account).exists()

    run_worker()

    reason = sending.NO_CERTIFICATE.format(account_id=account.pk)
    assert set(Record.objects.values_list("status", flat=True)) == {"pending"}
    assert SendingState.objects.get().reason == reason


def test_the_sweep_closes_a_message_whose_worker_died_on_the_way(issuer, aeat_standin):
    make_invoice(issuer)
    sending.send_next(installation_id=issuer.verifactu_installation.pk)
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    Submission.objects.update(state="sending", sent_at=long_ago, finished_at=None)

    sending.sweep()

    submission = Submission.objects.get()
    assert (submission.state, submission.error) == ("failed", sending.WORKER_LOST)


@with_the_worker
def test_the_sweep_prunes_old_finished_task_rows_and_keeps_the_rest(issuer, aeat_standin,
                                                                   settings):
    """The queue's own rows do not pile up for ever: finished ones past their keeping age
    go (failed ones are kept longer); queued ones, and what was sent, always stay."""
    from verifactu.management.commands.worker import prune_task_results

    settings.TASK_RESULTS_KEEP_DAYS = 7
    settings.TASK_RESULTS_KEEP_FAILED_DAYS = 30
    make_invoice(issuer)
    run_worker()
    [done] = DBTaskResult.objects.filter(status="SUCCESSFUL")
    now = timezone.now()
    days = datetime.timedelta(days=1)

    def copy(status: str, finished_days_ago: int | None) -> DBTaskResult:
        row = DBTaskResult.objects.get(pk=done.pk)
        row.pk = None
        row.status = status
        row.finished_at = None if finished_days_ago is None else now - finished_days_ago * days
        row.save(force_insert=True)
        return row

    old = copy("SUCCESSFUL", 8)
    recent = copy("SUCCESSFUL", 6)
    failed = copy("FAILED", 8)
    old_failed = copy("FAILED", 31)
    waiting = copy("READY", None)

    prune_task_results()

    left = set(DBTaskResult.objects.values_list("pk", flat=True))
    assert old.pk not in left and old_failed.pk not in left
    assert {recent.pk, failed.pk, waiting.pk, done.pk} <= left
    assert Record.objects.get().status == Record.Status.ACCEPTED
    assert Submission.objects.count() == 1
