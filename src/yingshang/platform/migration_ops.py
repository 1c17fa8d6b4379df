"""Operations shared by migrations that move a model from one app to another without moving its
table (SeparateDatabaseAndState)."""

from django.db import migrations


def move_content_types(moves):
    """A RunPython that relabels the content types of moved models — ``moves`` is a list of
    (old app label, model name, new app label) — so that permissions granted on them, admin log
    entries and generic relations keep pointing at them. Reversible."""

    def relabel(apps, schema_editor, forward=True):
        content_type = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for old, model, new in moves:
            source, target = (old, new) if forward else (new, old)
            rows = content_type.objects.using(db)
            if not rows.filter(app_label=target, model=model).exists():
                rows.filter(app_label=source, model=model).update(app_label=target)

    return migrations.RunPython(
        relabel, lambda apps, schema_editor: relabel(apps, schema_editor, forward=False)
    )
