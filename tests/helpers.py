"""Small assertions shared by the tests."""


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds any CJK ideograph — an English message must not."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


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
