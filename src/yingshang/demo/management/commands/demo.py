import copy

from django.core.management.base import BaseCommand

from yingshang.accounts.public import account_by_phone, demo_accounts
from yingshang.demo import framework as demo
from yingshang.demo.core import demo_logins
from yingshang.demo.registry import portal_logins
from yingshang.platform import audit
from yingshang.platform.models import AuditAction


class Command(BaseCommand):
    help = "Load the Mianyang demo (idempotent: a rerun changes nothing) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=2019, help="random seed for generated data")
        parser.add_argument("--quiet", action="store_true", help="no progress bars")
        parser.add_argument(
            "--only",
            default="",
            help="comma-separated app labels whose steps run (default: all), e.g. core,catalog",
        )
        for step in demo.steps():
            if step.add_arguments:
                step.add_arguments(parser)

    def handle(self, *args, **options):
        tally = demo.Tally()
        with audit.audit_context(channel="demo"):
            only = {a.strip() for a in options["only"].split(",") if a.strip()}
            for step in demo.steps():
                if only and step.app not in only:
                    continue
                self.stdout.write(f"· {step.name} …")
                before = copy.deepcopy(tally.counts)
                step.run(options, tally, self.stdout)
                changed = {
                    kind: {
                        k: v - before.get(kind, {}).get(k, 0)
                        for k, v in counts.items()
                        if k != "unchanged" and v - before.get(kind, {}).get(k, 0)
                    }
                    for kind, counts in tally.counts.items()
                }
                changed = {kind: c for kind, c in changed.items() if c}
                if changed:
                    # Bulk generators bypass per-row audit; the step as a whole is recorded.
                    audit.record(
                        AuditAction.CREATE,
                        object_type="demo",
                        object_repr=step.name,
                        changes={"after": changed},
                    )
        self.stdout.write(self.style.SUCCESS("Demo loaded. 演示数据已加载："))
        for kind, counts in tally.counts.items():
            parts = ", ".join(f"{k} {v}" for k, v in counts.items() if v)
            self.stdout.write(f"  {kind:<14} {parts}")
        self.stdout.write("")
        self.stdout.write("Demo logins 演示账号 (http://127.0.0.1:8000/):")
        for username, password, role, where in demo_logins():
            self.stdout.write(f"  {username:<20} {password:<16} {role:<10} {where}")
        self.stdout.write(
            "Portal logins 门户账号 (http://127.0.0.1:8000/accounts/login/ 申请人登录):"
        )
        phones = {
            a["username"]: a["phone"] for a in demo_accounts() if account_by_phone(a["phone"])
        }
        for username, password, role, where in portal_logins():
            phone = f" · {phones[username]}" if username in phones else ""
            self.stdout.write(f"  {username:<20} {password:<16} {role:<10} {where}{phone}")
        self.stdout.write("  (or log in by SMS code: the codes are on /accounts/demo-sms/)")
