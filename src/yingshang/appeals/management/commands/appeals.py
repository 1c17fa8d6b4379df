"""`yingshang appeals train` — retrain the dispatch classifier from past dispatches, print its
held-out top-1/top-3 accuracy; `yingshang appeals sweep` — run the overdue sweep now."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yingshang.platform.audit import audit_context


class Command(BaseCommand):
    help = "Appeals: 'train' the dispatch suggestion model, 'sweep' overdue appeals."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        train = sub.add_parser("train", help="retrain the dispatch model")
        train.add_argument("--test-share", type=float, default=0.2)
        train.add_argument("--seed", type=int, default=2019)
        sub.add_parser("sweep", help="escalate overdue appeals now")

    def handle(self, *args, **options):
        from yingshang.appeals import services

        with audit_context(channel="command"):
            if options["sub"] == "sweep":
                result = services.sweep_overdue()
                self.stdout.write(
                    f"escalated {result['escalated']}, commitments overdue "
                    f"{result['commitments_overdue']}"
                )
                return
            try:
                m = services.train_dispatch_model(options["test_share"], options["seed"])
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(
            f"dispatch model #{m['model_id']}: {m['n_total']} past dispatches, "
            f"{m['n_labels']} departments"
        )
        self.stdout.write(
            f"held-out evaluation (train {m['n_train']}, test {m['n_test']}): "
            f"top-1 {m['top1']:.1%}, top-3 {m['top3']:.1%}"
        )
