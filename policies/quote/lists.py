"""The lists: registration steps, payment channels, refunds and contacts, as printed."""

from __future__ import annotations

from collections.abc import Callable

from policies.quote.context import Context, Quote
from policies.result import ListedItem


def audience_of(q: Quote) -> set[str]:
    audience = {*q.identities, "everyone"}
    audience.add("lapsed" if q.lapsed else "continuing")
    if "newborn" in q.identities:
        audience.add("newborn")
    return audience


def registration(q: Quote) -> list[ListedItem]:
    audience = frozenset(audience_of(q))
    return _once(q.ctx, ("registration", audience), lambda: _registration(q, audience))


def _registration(q: Quote, audience: frozenset[str]) -> list[ListedItem]:
    items = []
    for step in q.data.registration:
        if audience & set(step.audience):
            clause = q.ctx.policy.clauses[step.clause]
            items.append(
                ListedItem(
                    name=clause.label,
                    detail=clause.quote,
                    audience=",".join(step.audience),
                    sources=q.ctx.sources(step.clause),
                )
            )
    return items


def _once(ctx: Context, kind: object, make: Callable[[], list[ListedItem]]) -> list[ListedItem]:
    """The notice's lists do not depend on the request: made once per catalog and notice."""
    key = (kind, ctx.policy.slug, ctx.data.insurance_year)
    found: list[ListedItem] | None = ctx.catalog.memo.get(key)
    if found is None:
        found = ctx.catalog.memo[key] = make()
    return list(found)


def channels(q: Quote) -> list[ListedItem]:
    return _once(q.ctx, "channels", lambda: _channels(q))


def _channels(q: Quote) -> list[ListedItem]:
    return [
        ListedItem(name=c.name, detail=c.path, audience=c.audience, sources=q.ctx.sources(c.clause))
        for c in q.data.channels
    ]


def refunds(q: Quote) -> list[ListedItem]:
    return _once(q.ctx, "refunds", lambda: _refunds(q))


def _refunds(q: Quote) -> list[ListedItem]:
    items = []
    for clause_id in q.data.refunds:
        clause = q.ctx.policy.clauses[clause_id]
        items.append(
            ListedItem(name=clause.label, detail=clause.quote, sources=q.ctx.sources(clause_id))
        )
    return items


def contacts(ctx: Context) -> list[ListedItem]:
    return _once(ctx, "contacts", lambda: _contacts(ctx))


def _contacts(ctx: Context) -> list[ListedItem]:
    items = [
        ListedItem(name=c.name, detail=c.phone, sources=ctx.sources(c.clause))
        for c in ctx.data.contacts
    ]
    hotline = ctx.catalog.national.hotline
    items.append(
        ListedItem(name=hotline.name, detail=hotline.phone, sources=ctx.sources(hotline.clause))
    )
    return items
