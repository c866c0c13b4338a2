"""The Telegram adapter: python-telegram-bot Application, handlers, delivery (`yibao telegram`).

Telegram's own concerns live here and nowhere else: callback data, the inline keyboard and
the "plain text" button, splitting at 4096 characters, polling, per-chat flood limits,
exactly-once delivery through the store's outbox. The dialog (`dialogs`) decides what to say;
the shared modules beside this package (bot.store, bot.settings, bot.logs, bot.retention…)
are the only other parts of `bot` it uses.
"""

import os

# python-telegram-bot 22 warns (PTBDeprecationWarning, on every 429 it raises) that
# RetryAfter.retry_after and its other durations become datetime.timedelta in its next major
# version; this adapter already reads them as either (polling._seconds, ratelimit), so it takes
# the future behaviour now instead of logging the warning at each flood limit.
os.environ.setdefault("PTB_TIMEDELTA", "1")
