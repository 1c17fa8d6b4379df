"""`yingshang channels simulate [--port 8011]` — run the fake WeChat API server for the demo
(point WECHAT_API_BASE at it); `yingshang channels menu [--default] [--publish]` — show the
account menu as menu/create JSON, load the default menu, publish it."""

import json
import os

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "WeChat channel: 'simulate' runs the local fake WeChat API server."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        menu = sub.add_parser("menu", help="show, load the default of, or publish the menu")
        menu.add_argument("--default", action="store_true", help="load the default menu first")
        menu.add_argument("--replace", action="store_true", help="with --default: replace")
        menu.add_argument("--publish", action="store_true", help="publish through menu/create")
        sim = sub.add_parser("simulate", help="serve the fake WeChat API on 127.0.0.1")
        sim.add_argument("--host", default="127.0.0.1")
        sim.add_argument("--port", type=int, default=8011)
        sim.add_argument("--app-id", default=os.environ.get("WECHAT_APP_ID", "wx0000000000demo"))
        sim.add_argument("--app-secret", default=os.environ.get("WECHAT_APP_SECRET", "demo-secret"))

    def handle(self, *args, **options):
        if options["sub"] == "menu":
            return self._menu(options)
        from yingshang.channels.fake_server import FakeWeChatServer

        server = FakeWeChatServer(
            options["app_id"], options["app_secret"], host=options["host"], port=options["port"]
        )
        self.stdout.write(
            f"fake WeChat API on {server.url} (AppID {options['app_id']}); "
            f"set WECHAT_API_BASE={server.url}. Ctrl-C stops it."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            state = server.state
            self.stdout.write(
                f"received {len(state.received)} messages, issued {state.tokens_issued} tokens"
            )

    def _menu(self, options):
        from django.core.management.base import CommandError

        from yingshang.channels import menu

        if options["default"]:
            created = menu.load_default(replace=options["replace"])
            self.stdout.write(f"default menu: {created} items created")
        try:
            if options["publish"]:
                publication = menu.publish()
                self.stdout.write(f"published: errcode {publication.errcode}")
                payload = publication.payload
            else:
                payload = menu.build()
        except menu.MenuError as exc:
            raise CommandError("\n".join(f"{k}: {v}" for k, v in exc.errors.items())) from exc
        self.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2))
