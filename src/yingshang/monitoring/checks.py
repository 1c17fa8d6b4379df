"""System check: the indicator definition file must be valid, or start-up stops."""

from django.core.checks import Error, register

from .definitions import DefinitionError, definitions_path, load_definitions


@register("monitoring")
def check_indicator_definitions(app_configs=None, **kwargs):
    try:
        load_definitions()  # file + settings; no database access in system checks
    except DefinitionError as exc:
        return [
            Error(
                message,
                hint=f"指标定义文件: {exc.path or definitions_path()} (MONITORING_INDICATORS_FILE)",
                id="monitoring.E001",
            )
            for message in exc.errors
        ]
    return []
