"""The synthetic company: deterministic, and shaped the way the warehouse needs."""

from __future__ import annotations

from datetime import date, datetime

from funnelhouse.sandbox import Sandbox, build_company


def _fingerprint(scale: float, seed: int) -> tuple[object, ...]:
    company = build_company(scale=scale, seed=seed)
    hub, ads = company.hubspot, company.google_ads
    return (
        [(c.id, c.name, c.start_date, c.end_date) for c in ads.campaigns],
        [(s.campaign_id, s.date, s.clicks, s.cost_micros, s.conversions) for s in ads.stats],
        [(r.id, r.properties, r.archived) for r in hub.contacts + hub.companies + hub.deals],
        hub.owners,
        hub.associations,
    )


def test_same_seed_same_company() -> None:
    first = _fingerprint(0.3, 7)
    assert first == _fingerprint(0.3, 7)
    assert first != _fingerprint(0.3, 8)


def test_scale_one_sizes(sandbox: Sandbox) -> None:
    counts = sandbox.company.summary()
    assert counts["ads_customers"] == 3 and counts["ads_campaigns"] == 12
    assert 4000 <= counts["hubspot_contacts"] <= 8000
    assert 500 <= counts["hubspot_deals"] <= 1000
    assert counts["hubspot_owners"] == 6
    closed = counts["hubspot_deals_won"] + counts["hubspot_deals_lost"]
    assert 0.28 <= counts["hubspot_deals_won"] / closed <= 0.42
    assert 0.02 <= counts["hubspot_deals_without_contact"] / counts["hubspot_deals"] <= 0.08


def test_property_values_are_strings_or_null(sandbox: Sandbox) -> None:
    hub = sandbox.company.hubspot
    for record in hub.contacts + hub.companies + hub.deals:
        assert all(value is None or isinstance(value, str) for value in record.properties.values())


def test_campaign_stories(sandbox: Sandbox) -> None:
    ads, hub = sandbox.company.google_ads, sandbox.company.hubspot
    renamed = next(c for c in ads.campaigns if c.former_names)
    old_name, renamed_on = renamed.former_names[0]
    tagged = [c for c in hub.contacts if " ".join((c.properties["utm_campaign"] or "").split()).lower() == old_name.lower()]
    assert tagged and all(datetime.fromisoformat(c.created_at[:10]).date() <= renamed_on for c in tagged)

    silent = next(c for c in ads.campaigns if not c.produces_leads)
    stats = [s for s in ads.stats if s.campaign_id == silent.id]
    assert sum(s.cost_micros for s in stats) > 0 and sum(s.conversions for s in stats) == 0
    assert not any(silent.name.lower() in (c.properties["utm_campaign"] or "").lower() for c in hub.contacts)

    for campaign in ads.campaigns:
        days = [s.date for s in ads.stats if s.campaign_id == campaign.id]
        assert min(days) >= campaign.start_date and max(days) <= (campaign.end_date or date(2026, 11, 28))
    assert any(c.start_date > min(s.date for s in ads.stats) for c in ads.campaigns)
    assert any(c.end_date for c in ads.campaigns)
    assert any(s.clicks == 0 for s in ads.stats)


def test_won_deals_make_customers(sandbox: Sandbox) -> None:
    hub = sandbox.company.hubspot
    contacts = {c.id: c for c in hub.contacts}
    links = hub.associations[("deals", "contacts")]
    for deal in hub.deals:
        if deal.properties["dealstage"] == "closedwon":
            assert all(contacts[i].properties["lifecyclestage"] == "customer" for i in links.get(deal.id, []))
