"""The terminal adapter: `yibao chat`, the dialog over stdin/stdout with numbered buttons."""
