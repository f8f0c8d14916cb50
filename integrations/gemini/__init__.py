"""The built-in service-only ``gemini`` integration: service ``web_research`` (docs/GITHUB.md)."""
