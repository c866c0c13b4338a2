"""The helpdesk's front ends, one package per adapter, and what they share.

    bot/telegram/   the Telegram bot (`yibao telegram`)
    bot/web/        the web chat, reference pages and JSON API (`yibao web`)
    bot/terminal/   the terminal chat (`yibao chat`)
    bot/cli/        the `yibao` command line: the dispatcher and its own subcommands
                    (quote, policies, link)

Beside them only what several adapters use: the store, settings, logs, clock, database URL,
retention rule and its counters. Adapters do not import one another (tests/bot/test_layers.py);
everything they say comes from `dialogs`, every figure from `policies`.
"""
