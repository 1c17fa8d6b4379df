"""Write docs/state-machines.md and docs/permissions.md from the transition tables and the
policies (``--check``: exit 1 when the files differ)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from yingshang.platform import policies, transitions


def generated() -> dict[str, str]:
    return {
        "state-machines.md": transitions.render_docs(),
        "permissions.md": policies.render_docs(),
    }


def docs_dir() -> Path:
    return Path(
        getattr(settings, "YINGSHANG_DOCS_DIR", Path(settings.BASE_DIR).parent.parent / "docs")
    )


class Command(BaseCommand):
    help = "Generate docs/state-machines.md and docs/permissions.md from the kit's tables."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if the docs differ")

    def handle(self, *args, check=False, **options):
        stale = []
        for name, text in generated().items():
            path = docs_dir() / name
            if check:
                if not path.exists() or path.read_text(encoding="utf-8") != text:
                    stale.append(name)
                continue
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {path}")
        if stale:
            raise CommandError(f"out of date (run `yingshang kit_docs`): {', '.join(stale)}")
