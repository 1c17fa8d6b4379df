import time

from django.core.management.base import BaseCommand

from yingshang.catalog import search


class Command(BaseCommand):
    help = (
        "The catalogue's search index: catalog_search rebuild (all items) | "
        'catalog_search query "words" (ranked items, for checking synonyms)'
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild", help="rebuild the token index of every item")
        q = sub.add_parser("query", help="print the ranked items for a query")
        q.add_argument("words")
        q.add_argument("--limit", type=int, default=10)

    def handle(self, *args, action, **options):
        if action == "rebuild":
            start = time.perf_counter()
            items, rows = search.rebuild()
            self.stdout.write(
                self.style.SUCCESS(
                    f"search index rebuilt: {items} items, {rows} tokens "
                    f"in {time.perf_counter() - start:.1f} s"
                )
            )
            return
        result = search.search(options["words"], limit=options["limit"])
        for item in result.items:
            self.stdout.write(
                f"{result.scores[item.pk]:9.1f}  {item.name}  "
                f"({item.division.name} {item.department.name}) {item.implementation_code}"
            )
        if not result.items:
            self.stdout.write("no result")
            if result.suggestion:
                self.stdout.write(f"did you mean: {result.suggestion}")
