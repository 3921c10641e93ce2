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
        [(r.id, r.properties, r.archived) for records in hub.engagements.values() for r in records],
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


def test_paid_social_and_bing_platforms(sandbox: Sandbox) -> None:
    company = sandbox.company
    meta, linkedin, microsoft = company.meta, company.linkedin, company.microsoft_ads
    assert [(a.currency_code, a.time_zone) for a in meta.accounts] == [("EUR", "Europe/Berlin")]
    assert [a.currency_code for a in linkedin.accounts] == ["USD"]
    assert [(a.currency_code, a.time_zone) for a in microsoft.accounts] == [("USD", "America/Los_Angeles")]
    assert microsoft.accounts[0].customer_id
    first_day, last_day = date(2024, 11, 29), date(2026, 11, 28)
    for data in (meta, linkedin, microsoft):
        days = [s.date for s in data.stats]
        assert min(days) == first_day and max(days) == last_day
        assert all(s.impressions > 0 and s.spend >= 0 for s in data.stats)  # no row without delivery
        assert any(c.former_names for c in data.campaigns)
        assert len({c.id for c in data.campaigns}) == len(data.campaigns)
    # Awareness campaigns spend but bring no lead.
    assert any(not c.produces_leads for c in meta.campaigns) and any(not c.produces_leads for c in linkedin.campaigns)


def test_paid_leads_name_their_platforms_campaigns(sandbox: Sandbox) -> None:
    company, hub = sandbox.company, sandbox.company.hubspot
    names = {
        "facebook": {n for c in company.meta.campaigns for n in [c.name, *(old for old, _ in c.former_names)]},
        "LinkedIn": {n for c in company.linkedin.campaigns for n in [c.name, *(old for old, _ in c.former_names)]},
    }
    social = [c.properties for c in hub.contacts if c.properties["hs_analytics_source"] == "PAID_SOCIAL"]
    assert social and {p["utm_source"] for p in social} == {"facebook", "LinkedIn"}
    assert all(p["utm_campaign"] in names[p["utm_source"]] for p in social)
    bing = [c.properties for c in hub.contacts
            if c.properties["hs_analytics_source"] == "PAID_SEARCH" and c.properties["hs_analytics_source_data_1"] == "bing"]
    assert bing and all(p["utm_source"].strip().lower() in ("bing", "microsoft") for p in bing)
    ids = {c.id for c in company.microsoft_ads.campaigns}
    bing_names = {n.lower() for c in company.microsoft_ads.campaigns for n in [c.name, *(o for o, _ in c.former_names)]}
    assert all(p["utm_campaign"] in ids or " ".join(p["utm_campaign"].split()).lower() in bing_names for p in bing)
    counts = company.summary()
    assert counts["hubspot_contacts_paid_social"] == len(social) and counts["hubspot_contacts_paid_search_bing"] == len(bing)
    assert counts["meta_stat_rows"] == len(company.meta.stats) and counts["microsoft_ads_campaigns"] == 4


def test_new_platforms_are_deterministic() -> None:
    first = build_company(scale=1.0, seed=5)
    again, other = build_company(scale=0.3, seed=5), build_company(scale=0.3, seed=6)
    for name in ("meta", "linkedin", "microsoft_ads"):
        assert getattr(build_company(scale=0.3, seed=5), name) == getattr(again, name) != getattr(other, name)
    assert first.meta.accounts == again.meta.accounts  # the same seed, the same accounts at any scale
