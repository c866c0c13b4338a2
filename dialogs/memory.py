"""What the dialog layer remembers across conversations, and forgetting it.

The calculator's results (`dialogs/quotes.py`, 256), the texts rendered from replies
(`dialogs/render.py`: questions, button labels, answers, the "changed" and "assumed" lines)
and the steps taken by buttons and commands (`dialogs/step_memo.py`, 1,024: a state and what
it led to) are shared by everyone who asks the same thing. They hold regions, identity codes
and dates, never who asked. When someone deletes their data (/forget, 删除我的信息) the
adapter calls `forget_shared()`: which entries came from that person is deliberately not
recorded, so all of them go, and the next people have theirs computed and rendered again.
"""

from __future__ import annotations

from dialogs.quotes import quote_once
from dialogs.render import forget_rendered
from dialogs.step_memo import forget_steps


def forget_shared() -> None:
    forget_rendered()
    forget_steps()
    quote_once.cache_clear()
