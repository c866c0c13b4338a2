"""yibao's real bot for the benchmark: exactly `yibao telegram`, optionally without the cap.

`python -m benchmarks.run_yibao [--no-flood-limit]` runs `bot.cli.main(["telegram"])`, the
function the `yibao` console script calls, with the settings from the environment
(TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL, YIBAO_STATE_DB). With `--no-flood-limit` the
overall 30 messages/second cap of PTB's AIORateLimiter is lifted (its default
`overall_max_rate` set to 0, which AIORateLimiter documents as "no limit") before the bot
builds its Application; everything else in the limiter (RetryAfter retries, the per-group
limit) stays. The echo bot gets the same treatment, so neither bot waits on the limiter and
the comparison measures the bots' own work (the README's performance section says why).
"""

from __future__ import annotations

import sys

from telegram.ext import AIORateLimiter


def lift_flood_limit() -> None:
    defaults = AIORateLimiter.__init__.__defaults__
    assert defaults is not None and len(defaults) == 5, defaults
    # (overall_max_rate, overall_time_period, group_max_rate, group_time_period, max_retries)
    AIORateLimiter.__init__.__defaults__ = (0, *defaults[1:])


def main(argv: list[str]) -> int:
    if "--no-flood-limit" in argv:
        lift_flood_limit()
    from bot.cli import main as yibao

    return yibao(["telegram"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
