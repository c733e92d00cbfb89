"""The sender's tables (Submission: every message and its answer; SendingState: one row per
issuer, its lock, waits and reason), and the record's link to the message that carried it.

The link is part of the answer: the record guard's allowed columns grow by `submission_id`.
PostgreSQL's guard lists the answer's columns (it compares the row without them), so its
function is replaced with the longer list; SQLite's triggers list the guarded columns, which
do not change (a new column is outside them) — both allow exactly ANSWER_FIELDS.
"""

import importlib

import django.db.models.deletion
from django.db import migrations, models

OLD_ANSWER = ("status", "error_code", "error_description", "csv", "answered_at")
ANSWER = (*OLD_ANSWER, "submission_id")
MESSAGE = "VERI*FACTU records are append-only: only the answer of the AEAT may be written"
DELETE_MESSAGE = "VERI*FACTU records are append-only: they are never deleted"


def _guard(answer) -> str:
    return f"""
CREATE OR REPLACE FUNCTION verifactu_record_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{DELETE_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF (to_jsonb(NEW) - ARRAY{list(answer)}) IS DISTINCT FROM (to_jsonb(OLD) - ARRAY{list(answer)}) THEN
        RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$;
"""


def _sqlite_record_triggers_back(apps, schema_editor):
    """Going back, SQLite rebuilds the record table to drop `submission_id` (a foreign key
    column), and the rebuilt table has lost its guard: put it back."""
    if schema_editor.connection.vendor != "sqlite":
        return
    guard = importlib.import_module("verifactu.migrations.0002_records_are_append_only")
    for statement in guard.SQLITE[:2]:  # the record's update and delete triggers
        schema_editor.execute(statement.replace("CREATE TRIGGER", "CREATE TRIGGER IF NOT EXISTS"))


def _postgres(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_verifactu_for_existing_accounts'),
        ('invoices', '0003_issued_invoices_are_frozen'),
        ('verifactu', '0002_records_are_append_only'),
    ]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, _sqlite_record_triggers_back),
        migrations.CreateModel(
            name='SendingState',
            fields=[
                ('installation', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True, related_name='sending', serialize=False, to='verifactu.installation')),
                ('lease_owner', models.CharField(blank=True, default='', max_length=40)),
                ('lease_until', models.DateTimeField(blank=True, null=True)),
                ('not_before', models.DateTimeField(blank=True, null=True)),
                ('flow_control', models.BooleanField(default=False)),
                ('wait_seconds', models.PositiveIntegerField(default=60, verbose_name='TiempoEsperaEnvio')),
                ('failures', models.PositiveIntegerField(default=0, verbose_name='fallos seguidos')),
                ('late_until', models.DateTimeField(blank=True, null=True)),
                ('hold', models.CharField(blank=True, choices=[('', '—'), ('no_certificate', 'sin certificado'), ('expired_certificate', 'certificado caducado'), ('refused', 'rechazado por la AEAT')], default='', max_length=20)),
                ('hold_signature', models.CharField(blank=True, default='', max_length=64)),
                ('reason', models.TextField(blank=True, default='', verbose_name='motivo')),
                ('task_due_at', models.DateTimeField(blank=True, null=True)),
                ('last_sent_at', models.DateTimeField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'estado de envío',
                'verbose_name_plural': 'estados de envío',
            },
        ),
        migrations.CreateModel(
            name='Submission',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('attempt', models.PositiveIntegerField(default=1, verbose_name='intento')),
                ('incidencia', models.BooleanField(default=False, verbose_name='Incidencia=S')),
                ('record_count', models.PositiveIntegerField(verbose_name='registros')),
                ('endpoint', models.CharField(max_length=300)),
                ('presenter_nif', models.CharField(blank=True, max_length=20, verbose_name='NIF del certificado')),
                ('representative', models.BooleanField(default=False, verbose_name='como representante')),
                ('envelope', models.TextField(verbose_name='mensaje enviado')),
                ('state', models.CharField(choices=[('sending', 'enviando'), ('answered', 'respondido'), ('failed', 'fallido (se reintenta)'), ('refused', 'rechazado por la AEAT (no se reintenta)')], db_index=True, default='sending', max_length=10)),
                ('response', models.TextField(blank=True, default='', verbose_name='respuesta (tal cual)')),
                ('status', models.CharField(blank=True, default='', max_length=20, verbose_name='EstadoEnvio')),
                ('csv', models.CharField(blank=True, default='', max_length=40, verbose_name='CSV')),
                ('wait_seconds', models.PositiveIntegerField(blank=True, null=True, verbose_name='TiempoEsperaEnvio')),
                ('presented_at', models.CharField(blank=True, default='', max_length=30, verbose_name='TimestampPresentacion')),
                ('error_kind', models.CharField(blank=True, default='', max_length=10)),
                ('error_code', models.PositiveIntegerField(blank=True, null=True)),
                ('error', models.TextField(blank=True, default='')),
                ('sent_at', models.DateTimeField(verbose_name='enviado')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='terminado')),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='submissions', to='accounts.account')),
                ('installation', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='submissions', to='verifactu.installation')),
            ],
            options={
                'verbose_name': 'envío a la AEAT',
                'verbose_name_plural': 'envíos a la AEAT',
                'ordering': ['-id'],
            },
        ),
        migrations.AddField(
            model_name='record',
            name='submission',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='records', to='verifactu.submission'),
        ),
        migrations.AddIndex(
            model_name='record',
            index=models.Index(fields=['account', 'status', 'position'], name='record_pending_in_order'),
        ),
        migrations.AddIndex(
            model_name='submission',
            index=models.Index(fields=['account', 'id'], name='verifactu_s_account_02b546_idx'),
        ),
        migrations.RunPython(_postgres(_guard(ANSWER)), _postgres(_guard(OLD_ANSWER))),
    ]
