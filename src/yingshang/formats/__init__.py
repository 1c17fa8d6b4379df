"""Per-language date formats (settings.FORMAT_MODULE_PATH)."""
