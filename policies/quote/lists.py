"""The lists: registration steps, payment channels, refunds and contacts, as printed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from policies.quote.context import Context, Quote
from policies.result import ContactConcern, ContactItem, ListedItem
from policies.schema import Contact

Item = TypeVar("Item", bound=ListedItem)


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


def _once(ctx: Context, kind: object, make: Callable[[], list[Item]]) -> list[Item]:
    """The notice's lists do not depend on the request: made once per catalog and notice."""
    key = (kind, ctx.policy.slug, ctx.data.insurance_year)
    found: list[Item] | None = ctx.catalog.memo.get(key)
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


def contacts(ctx: Context) -> list[ContactItem]:
    return _once(ctx, "contacts", lambda: _contacts(ctx))


def _contacts(ctx: Context) -> list[ContactItem]:
    hotline = ctx.catalog.national.hotline
    return [_contact(ctx, c) for c in [*ctx.data.contacts, hotline]]


def _contact(ctx: Context, contact: Contact) -> ContactItem:
    concerns = [
        ContactConcern(topic=c.topic, identities=c.identities, sources=ctx.sources(c.clause))
        for c in contact.concerns
    ]
    return ContactItem(
        name=contact.name,
        detail=contact.phone,
        sources=ctx.sources(contact.clause),
        concerns=concerns,
    )
