"""Small assertions shared by the tests."""


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds any CJK ideograph — an English message must not."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)
