"""yibao's real bot for the benchmark: exactly `yibao telegram`, optionally without the cap.

`python -m benchmarks.run_yibao [--no-flood-limit] [OPTION…]` runs
`bot.cli.main(["telegram", OPTION…])`, the function the `yibao` console script calls (the
options are `yibao telegram`'s own, e.g. `--webhook …`), with the settings from the environment
(TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL, YIBAO_STATE_DB). With `--no-flood-limit` the
overall 30 messages/second cap of the bot's rate limiter (`bot.telegram.ratelimit.OVERALL_MAX_RATE`)
is set to 0 ("no limit") before the bot builds its Application; everything else in the
limiter (RetryAfter retries, per-chat pauses, the per-group limit) stays. The echo bot
gets the same treatment (AIORateLimiter's overall cap lifted), so neither bot waits on the
limiter and the comparison measures the bots' own work (README "Performance" says why).
"""

from __future__ import annotations

import sys

import bot.telegram.ratelimit


def lift_flood_limit() -> None:
    bot.telegram.ratelimit.OVERALL_MAX_RATE = 0


def main(argv: list[str]) -> int:
    if "--no-flood-limit" in argv:
        lift_flood_limit()
    from bot.cli import main as yibao

    return yibao(["telegram", *(a for a in argv if a != "--no-flood-limit")])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
