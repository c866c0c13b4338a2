"""The web adapter: the chat page, volunteers' reference pages and the JSON API (ASGI).

The same dialog (`dialogs.engine.step`) and the same store (`bot.store`) as the Telegram bot;
only the HTML around the replies is the web's (bot/web/rendering.py, templates/, static/).
"""
