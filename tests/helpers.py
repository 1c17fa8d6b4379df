"""Small assertions shared by the tests."""


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds any CJK ideograph — an English message must not."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def export_file(client, kind: str, query: str = ""):
    """Press a list's 导出 button (POST to the export start with the list's filters) and fetch
    the file: a small export answers with a redirect to its download (docs/exports.md). Returns
    the download as a plain response (``.content``), or the start's answer when it is not a
    redirect (403, 404)."""
    from django.http import HttpResponse

    url = f"/staff/exports/new/{kind}/" + (f"?{query}" if query else "")
    started = client.post(url)
    if started.status_code != 302:
        return started
    response = client.get(started["Location"])
    if not getattr(response, "streaming", False):
        return response
    plain = HttpResponse(b"".join(response.streaming_content), status=response.status_code)
    for header in ("Content-Type", "Content-Disposition"):
        plain[header] = response[header]
    return plain


def decide(page, action: str, opinion: str, *, outcome: str = "") -> str:
    """On a staff case page (Playwright): fill the opinion of ``action``'s form, tick the
    confirmation, send it; returns the status the page shows afterwards."""
    form = page.locator(f"[data-testid=form-{action}]")
    if outcome:
        form.locator("select[name=outcome]").select_option(outcome)
    form.locator(f"[data-testid=reason-{action}]").fill(opinion)
    form.locator(f"[data-testid=confirm-{action}]").check()
    form.locator(f"[data-testid=do-{action}]").click()
    page.wait_for_load_state()
    return page.locator("[data-testid=case-status]").inner_text()
