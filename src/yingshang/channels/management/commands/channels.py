"""`yingshang channels simulate [--port 8011]` — run the fake WeChat API server for the demo
(point WECHAT_API_BASE at it); `yingshang channels menu` is not built yet."""

import os

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "WeChat channel: 'simulate' runs the local fake WeChat API server."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        sim = sub.add_parser("simulate", help="serve the fake WeChat API on 127.0.0.1")
        sim.add_argument("--host", default="127.0.0.1")
        sim.add_argument("--port", type=int, default=8011)
        sim.add_argument("--app-id", default=os.environ.get("WECHAT_APP_ID", "wx0000000000demo"))
        sim.add_argument("--app-secret", default=os.environ.get("WECHAT_APP_SECRET", "demo-secret"))

    def handle(self, *args, **options):
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
