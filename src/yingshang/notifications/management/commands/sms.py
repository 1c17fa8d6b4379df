"""`yingshang sms simulate` — the local fake SMS provider (Tencent Cloud and Alibaba Cloud
protocols, signatures checked); `yingshang sms send --to 138… --template otp code=123456
minutes=5` — send one templated SMS through the configured provider; `yingshang sms templates`
— the templates to register with the provider, with their variables."""

import json
import os

from django.core.management.base import BaseCommand, CommandError

from yingshang.notifications.sms import TEMPLATES, SmsError, send_sms
from yingshang.notifications.sms.fake_server import FakeSmsServer, demo_template_ids


class Command(BaseCommand):
    help = "SMS: 'simulate' runs the fake provider, 'send' sends one SMS, 'templates' lists them."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="sub", required=True)
        sim = sub.add_parser("simulate", help="serve the fake Tencent/Alibaba SMS API locally")
        sim.add_argument("--host", default="127.0.0.1")
        sim.add_argument("--port", type=int, default=8012)
        sim.add_argument("--key-id", default=os.environ.get("SMS_ACCESS_KEY_ID") or "AKIDdemo")
        sim.add_argument(
            "--key-secret", default=os.environ.get("SMS_ACCESS_KEY_SECRET") or "demo-secret"
        )
        sim.add_argument("--sign-name", default=os.environ.get("SMS_SIGN_NAME") or "绵阳政事")
        sim.add_argument("--sdk-app-id", default=os.environ.get("SMS_SDK_APP_ID") or "1400000000")
        send = sub.add_parser("send", help="send one templated SMS through SMS_PROVIDER")
        send.add_argument("--to", required=True)
        send.add_argument("--template", required=True, choices=sorted(TEMPLATES))
        send.add_argument("values", nargs="*", help="name=value for each template variable")
        sub.add_parser("templates", help="list the templates to register with the provider")

    def handle(self, *args, **options):
        return getattr(self, "_" + options["sub"])(options)

    def _simulate(self, options):
        server = FakeSmsServer(
            options["host"],
            options["port"],
            key_id=options["key_id"],
            key_secret=options["key_secret"],
            sign_name=options["sign_name"],
            sdk_app_id=options["sdk_app_id"],
        )
        env = {
            "SMS_ENDPOINT": server.endpoint,
            "SMS_ENDPOINT_SCHEME": "http",
            "SMS_ACCESS_KEY_ID": options["key_id"],
            "SMS_ACCESS_KEY_SECRET": options["key_secret"],
            "SMS_SIGN_NAME": options["sign_name"],
            "SMS_SDK_APP_ID": options["sdk_app_id"],
            "SMS_TEMPLATE_IDS": json.dumps(demo_template_ids()),
        }
        self.stdout.write(
            f"fake SMS provider (Tencent Cloud and Alibaba Cloud protocols) on http://{server.endpoint}"
        )
        self.stdout.write("set SMS_PROVIDER=tencent or SMS_PROVIDER=aliyun and:")
        for key, value in env.items():
            self.stdout.write(f"  export {key}='{value}'")
        self.stdout.write(
            f"messages received: http://{server.endpoint}/_sms/messages  (Ctrl-C stops)"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
            self.stdout.write(
                f"accepted {len(server.state.messages)} messages, refused {sum(server.state.refusals.values())}"
            )

    def _send(self, options):
        values = {}
        for item in options["values"]:
            name, sep, value = item.partition("=")
            if not sep:
                raise CommandError(f"{item!r}: write name=value")
            values[name] = value
        try:
            receipt = send_sms(phone=options["to"], template=options["template"], values=values)
        except SmsError as exc:
            raise CommandError(f"not sent: {exc}") from exc
        self.stdout.write(
            f"sent through {receipt.provider}, message {receipt.message_id}: {receipt.text}"
        )

    def _templates(self, options):
        for key, template in sorted(TEMPLATES.items()):
            names = ", ".join(f"{p.name} ({p.kind})" for p in template.params) or "-"
            self.stdout.write(
                f"{key}: {template.text}\n    variables: {names}; {template.description}"
            )
