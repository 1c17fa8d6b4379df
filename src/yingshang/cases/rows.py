"""Lean row reads and inserts for the submission hot path (POST /api/cases/, the batch endpoint).

The ORM spends most of a submission's CPU compiling SQL (a few hundred microseconds per query).
These helpers build each statement's text once per process from the model's ``_meta`` and then
only adapt values — the same values the ORM would send (``Field.pre_save`` and
``get_db_prep_save`` for inserts; the backend's and the field's converters for reads), so the
rows are the ones ``Model.save()``/``bulk_create`` would write, and the instances behave like
ORM-loaded ones (``from_db``, related caches set for joined foreign keys).

They bypass model signals: callers that insert audited models must add the audit entries
themselves (``yingshang.platform.audit.created_entry``), in the same transaction.

On PostgreSQL (psycopg client-side binding, Django's default) ``execute`` sends several
statements in one round trip.
"""

from django.db import DEFAULT_DB_ALIAS, connection, connections

_select_plans: dict = {}
_insert_plans: dict = {}


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _select_plan(model, alias: str):
    key = (model, alias, connection.vendor)
    plan = _select_plans.get(key)
    if plan is None:
        fields = list(model._meta.concrete_fields)
        cols = [f"{alias}.{_qn(f.column)}" for f in fields]
        converters = []
        for i, f in enumerate(fields):
            col = f.get_col(alias)
            conv = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if conv:
                converters.append((i, conv, col))
        plan = (fields, [f.attname for f in fields], cols, converters)
        _select_plans[key] = plan
    return plan


def _build(model, alias, row, offset):
    fields, attnames, _cols, converters = _select_plan(model, alias)
    values = list(row[offset : offset + len(fields)])
    if converters:
        conn = connections[DEFAULT_DB_ALIAS]
        for i, conv, col in converters:
            v = values[i]
            for c in conv:
                v = c(v, col, conn)
            values[i] = v
    return model.from_db(DEFAULT_DB_ALIAS, attnames, values), offset + len(fields)


_join_sql: dict = {}


def select_one(model, column: str, value, *, join: tuple = ()):
    """``model.objects.select_related(*join).filter(column=value).first()`` for a unique column
    (no ordering needed), with the SQL built once. ``join``: names of (nullable or not)
    foreign keys of ``model`` loaded in the same query."""
    key = (model, column, join, connection.vendor)
    sql = _join_sql.get(key)
    if sql is None:
        opts = model._meta
        cols = list(_select_plan(model, "t")[2])
        joins = []
        for n, name in enumerate(join):
            field = opts.get_field(name)
            rel = field.related_model
            alias = f"j{n}"
            cols += _select_plan(rel, alias)[2]
            joins.append(
                f"LEFT JOIN {_qn(rel._meta.db_table)} {alias} "
                f"ON {alias}.{_qn(field.target_field.column)} = t.{_qn(field.column)}"
            )
        sql = (
            f"SELECT {', '.join(cols)} FROM {_qn(opts.db_table)} t {' '.join(joins)} "
            f"WHERE t.{_qn(opts.get_field(column).column)} = %s"
        )
        _join_sql[key] = sql
    with connection.cursor() as cur:
        cur.execute(sql, [value])
        row = cur.fetchone()
    if row is None:
        return None
    obj, offset = _build(model, "t", row, 0)
    for n, name in enumerate(join):
        field = model._meta.get_field(name)
        rel = field.related_model
        rel_fields = _select_plan(rel, f"j{n}")[0]
        width = len(rel_fields)
        if row[offset + rel_fields.index(rel._meta.pk)] is None:
            field.set_cached_value(obj, None)
        else:
            related, _ = _build(rel, f"j{n}", row, offset)
            field.set_cached_value(obj, related)
        offset += width
    return obj


def select_rows(model, where_sql: str, params, *, order_by: str = ""):
    """Instances of ``model`` for a hand-written WHERE clause over alias ``t``."""
    cols = _select_plan(model, "t")[2]
    sql = f"SELECT {', '.join(cols)} FROM {_qn(model._meta.db_table)} t WHERE {where_sql}"
    if order_by:
        sql += f" ORDER BY {order_by}"
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return [_build(model, "t", r, 0)[0] for r in rows]


def _insert_plan(model, with_pk: bool):
    key = (model, with_pk, connection.vendor)
    plan = _insert_plans.get(key)
    if plan is None:
        fields = [
            f
            for f in model._meta.concrete_fields
            if (with_pk or not f.primary_key) and not getattr(f, "generated", False)
        ]
        head = (
            f"INSERT INTO {_qn(model._meta.db_table)} "
            f"({', '.join(_qn(f.column) for f in fields)}) VALUES "
        )
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        plan = (fields, head, row)
        _insert_plans[key] = plan
    return plan


def insert_statement(objs: list, *, returning: bool = True) -> tuple[str, list]:
    """The INSERT of ``objs`` (one model; primary keys either all set or all unset) and its
    parameters, as ``bulk_create`` would send them (auto_now fields are set on the objects).
    Without primary keys it returns the new ones unless ``returning`` is false."""
    model = type(objs[0])
    with_pk = objs[0].pk is not None
    fields, head, row = _insert_plan(model, with_pk)
    conn = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the thread-local proxy
    params = []
    for obj in objs:
        # foreign keys to objects saved after assignment (case_id of a new case's rows)
        obj._prepare_related_fields_for_save(operation_name="insert")
        for f in fields:
            params.append(f.get_db_prep_save(f.pre_save(obj, True), connection=conn))
    sql = head + ", ".join([row] * len(objs))
    if not with_pk and returning and connection.features.can_return_rows_from_bulk_insert:
        sql += f" RETURNING {_qn(model._meta.pk.column)}"
    return sql, params


def mark_saved(objs) -> None:
    for obj in objs:
        obj._state.adding = False
        obj._state.db = connection.alias


def insert(objs: list) -> None:
    """Insert ``objs`` of one model in one statement; sets their primary keys."""
    if not objs:
        return
    sql, params = insert_statement(objs)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        if objs[0].pk is None:
            if "RETURNING" in sql:
                ids = [r[0] for r in cur.fetchall()]
            elif len(objs) == 1:
                ids = [cur.lastrowid]
            else:  # pragma: no cover - every supported backend returns rows
                raise NotImplementedError("bulk insert without RETURNING")
            for obj, pk in zip(objs, ids, strict=True):
                obj.pk = pk
    mark_saved(objs)


def execute(statements: list[tuple[str, list]]) -> None:
    """Run (sql, params) statements in order: in one round trip on PostgreSQL with client-side
    binding, else one by one. Inside the caller's transaction."""
    statements = [st for st in statements if st]
    if not statements:
        return
    with connection.cursor() as cur:
        if multi_statement() and len(statements) > 1:
            # bind each statement on its own (psycopg caches the parse of statements with up to
            # 50 parameters, not of the joined text), then send the joined text unparsed
            cur.execute(";\n".join(cur.mogrify(sql, params) for sql, params in statements))
        else:
            for sql, params in statements:
                cur.execute(sql, params)


def multi_statement() -> bool:
    """Whether several statements can go in one execute: PostgreSQL with psycopg's
    client-side binding (Django's default; ``server_side_binding`` turns it off)."""
    return connection.vendor == "postgresql" and not connection.settings_dict.get(
        "OPTIONS", {}
    ).get("server_side_binding")


_sequences: dict = {}


def sequence_of(model) -> str:
    """The PostgreSQL sequence behind the model's primary key (looked up once per process)."""
    table = model._meta.db_table
    seq = _sequences.get(table)
    if seq is None:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            seq = _sequences[table] = cur.fetchone()[0]
    return seq
