"""The Telegram adapter: python-telegram-bot Application, handlers, delivery (`yibao telegram`).

Telegram's own concerns live here and nowhere else: callback data, the inline keyboard and
the "plain text" button, splitting at 4096 characters, polling, per-chat flood limits,
exactly-once delivery through the store's outbox. The dialog (`dialogs`) decides what to say;
the shared modules beside this package (bot.store, bot.settings, bot.logs, bot.retention…)
are the only other parts of `bot` it uses.
"""
