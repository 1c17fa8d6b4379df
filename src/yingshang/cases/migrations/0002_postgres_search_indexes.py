"""PostgreSQL-only search indexes: trigram (pg_trgm) on applicant and title for 包含 search,
and pattern-ops on the case number for prefix search. No-ops on SQLite."""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS case_applicant_trgm ON cases_case "
    "USING gin (applicant_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS case_number_prefix ON cases_case (number varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS case_code_prefix ON cases_case "
    "(applicant_code varchar_pattern_ops)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS case_applicant_trgm",
    "DROP INDEX IF EXISTS case_number_prefix",
    "DROP INDEX IF EXISTS case_code_prefix",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
