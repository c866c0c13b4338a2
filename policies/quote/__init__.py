"""The calculator's rules, one module per question a payment answer has to settle.

Reading order (`answer.quote`): which insurance year (`policies.years`), then under that
year's notice who the person is (`person`: identities, tier, newborn, age), which window they
pay in (`window`), the price (`price`), the deadline (`deadline`), coverage and the waiting
period (`coverage`), and the lists (`lists`). Where exceptions override the general rule
(newborns, a group's own window, special cases, hardship deadlines), `window`, `deadline`
and `coverage` each hold an ordered table `PRECEDENCE` of (condition, rule, clause), first
match wins (tests/policies/test_precedence.py). Each rule is a function of the notice and
the request (`context.Quote`); every part carries its sources, and where the notice is
silent a note says so (`notes.NoteCode`).
"""
