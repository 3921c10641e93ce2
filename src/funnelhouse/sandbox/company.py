"""A deterministic synthetic company: its ad accounts (Google Ads, Meta, LinkedIn,
Microsoft Advertising) and its HubSpot CRM.

The data is shaped so the warehouse meets the problems real portals have: messy UTM
values, renamed campaigns, campaigns that spend but never bring a lead, leads that
turn into deals weeks later, deals and ad accounts in three currencies, outbound
deals without contacts, repeat business, soft-deleted leads, and an archived owner
old deals still point at. Paid leads come from the ad platforms' own clicks: Google
and Microsoft (bing) as paid search, Meta and LinkedIn as paid social. Everything
comes from ``random.Random(seed)`` (one stream per ad platform besides Google, so
adding a platform leaves the others as they were); nothing reads the clock.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from decimal import Decimal
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from .salesforce_org import SalesforceOrg, build_salesforce_org

UTC = timezone.utc
HISTORY_DAYS = 730
DEFAULT_TODAY = date(2026, 11, 29)

# HubSpot engagements (sales activities), each a CRM object type of its own.
ENGAGEMENT_TYPES = ("calls", "emails", "meetings", "tasks")
# HubSpot: which property carries the creation and the modification time of each object type.
MODIFIED_PROPERTY = {"contacts": "lastmodifieddate", "companies": "hs_lastmodifieddate", "deals": "hs_lastmodifieddate",
                     **{t: "hs_lastmodifieddate" for t in ENGAGEMENT_TYPES}}
CREATED_PROPERTY = {"contacts": "createdate", "companies": "createdate", "deals": "createdate",
                    **{t: "hs_createdate" for t in ENGAGEMENT_TYPES}}
CURRENCY_BY_COUNTRY = {"US": "USD", "DE": "EUR", "FR": "EUR", "NL": "EUR", "GB": "GBP"}
OPEN_STAGES = ("appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "decisionmakerboughtin", "contractsent")
STAGE_ORDER = ("lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer")


# --------------------------------------------------------------------------------------
# Data model
# --------------------------------------------------------------------------------------


@dataclass
class AdsCustomer:
    """A Google Ads client account; its currency and time zone are fixed at creation."""

    id: str
    descriptive_name: str
    currency_code: str
    time_zone: str
    manager: bool = False
    test_account: bool = False


class Renamable:
    """A campaign that may have carried other names (``former_names``: (old name, renamed on))."""

    def name_on(self, day: date) -> str:
        """The name the campaign carried on ``day``; older leads' UTMs use it."""
        for old_name, renamed_on in sorted(self.former_names, key=lambda pair: pair[1]):
            if day < renamed_on:
                return old_name
        return self.name


@dataclass
class AdsCampaign(Renamable):
    """A search campaign, active from ``start_date`` to ``end_date`` (inclusive)."""

    id: str
    customer_id: str
    name: str
    status: str
    advertising_channel_type: str
    start_date: date
    end_date: date | None  # None: still running at the end of the history
    market: str  # country its clicks (and leads) come from
    produces_leads: bool = True
    former_names: list[tuple[str, date]] = field(default_factory=list)  # (old name, renamed on)


@dataclass
class AdsDailyStat:
    """Metrics of one campaign on one day of its account's time zone."""

    customer_id: str
    campaign_id: str
    date: date
    impressions: int
    clicks: int
    cost_micros: int
    conversions: float
    conversions_value: float


@dataclass
class GoogleAdsData:
    customers: list[AdsCustomer]
    campaigns: list[AdsCampaign]
    stats: list[AdsDailyStat]

    def customer(self, customer_id: str) -> AdsCustomer | None:
        return next((c for c in self.customers if c.id == customer_id), None)


@dataclass
class PlatformAccount:
    """An ad account on Meta, LinkedIn or Microsoft Advertising; currency and zone fixed at creation."""

    id: str
    name: str
    currency_code: str
    time_zone: str  # IANA name; the account's report days are local days of it
    customer_id: str | None = None  # Microsoft: the customer (manager) the account belongs to


@dataclass
class PlatformCampaign(Renamable):
    """A campaign on one of those platforms, running ``start_date``..``end_date`` (inclusive)."""

    id: str
    account_id: str
    name: str
    status: str  # in the platform's own vocabulary (ACTIVE, Paused, COMPLETED, ...)
    objective: str
    start_date: date
    end_date: date | None
    market: str  # country its clicks (and leads) come from
    created_at: datetime
    produces_leads: bool = True
    former_names: list[tuple[str, date]] = field(default_factory=list)  # (old name, renamed on)


@dataclass
class PlatformDailyStat:
    """Metrics of one campaign on one day of its account's time zone (only days with delivery)."""

    account_id: str
    campaign_id: str
    date: date
    impressions: int
    clicks: int
    spend: Decimal  # account currency, at the precision the platform reports
    conversions: float  # as the platform counts them (view-through too), not CRM leads
    conversion_value: Decimal  # account currency


@dataclass
class AdPlatformData:
    """One platform's accounts, campaigns and daily stats."""

    platform: str  # meta_ads | linkedin_ads | microsoft_ads
    accounts: list[PlatformAccount]
    campaigns: list[PlatformCampaign]
    stats: list[PlatformDailyStat]

    def account(self, account_id: str) -> PlatformAccount | None:
        return next((a for a in self.accounts if a.id == account_id), None)

    def campaign(self, campaign_id: str) -> PlatformCampaign | None:
        return next((c for c in self.campaigns if c.id == campaign_id), None)


@dataclass
class Record:
    """A HubSpot CRM object: every property value is a string or None, as the API sends."""

    object_type: str  # contacts | companies | deals | calls | emails | meetings | tasks
    id: str
    properties: dict[str, str | None]
    archived: bool = False
    archived_at: str | None = None

    @property
    def created_at(self) -> str:
        return self.properties[CREATED_PROPERTY[self.object_type]] or ""

    @property
    def updated_at(self) -> str:
        return self.archived_at or self.properties[MODIFIED_PROPERTY[self.object_type]] or ""


@dataclass
class HubSpotData:
    portal_id: int
    time_zone: str
    company_currency: str
    owners: list[dict[str, Any]]
    contacts: list[Record]
    companies: list[Record]
    deals: list[Record]
    # (from type, to type) -> {from id: [to ids]}; stored one way, servers derive the reverse.
    associations: dict[tuple[str, str], dict[str, list[str]]]
    # engagement type (calls, emails, meetings, tasks) -> its records, each linked to a contact
    engagements: dict[str, list[Record]] = field(default_factory=lambda: {t: [] for t in ENGAGEMENT_TYPES})

    def objects(self, object_type: str) -> list[Record]:
        if object_type in self.engagements:
            return self.engagements[object_type]
        return {"contacts": self.contacts, "companies": self.companies, "deals": self.deals}[object_type]


@dataclass
class Company:
    """The whole synthetic company; ``now`` is the instant the snapshot is taken."""

    seed: int
    scale: float
    today: date
    now: datetime
    google_ads: GoogleAdsData
    hubspot: HubSpotData
    meta: AdPlatformData
    linkedin: AdPlatformData
    microsoft_ads: AdPlatformData
    salesforce: SalesforceOrg  # the enterprise sales team's CRM

    def summary(self) -> dict[str, int]:
        """Counts tests and reports can compare against what the pipeline loaded."""
        hub, ads = self.hubspot, self.google_ads
        stages = [c.properties["lifecyclestage"] for c in hub.contacts]
        deal_stages = [d.properties["dealstage"] for d in hub.deals]
        with_contact = hub.associations[("deals", "contacts")]
        counts = {
            "ads_customers": len(ads.customers),
            "ads_campaigns": len(ads.campaigns),
            "ads_stat_rows": len(ads.stats),
            "ads_clicks": sum(s.clicks for s in ads.stats),
            "ads_conversions": round(sum(s.conversions for s in ads.stats)),
            "hubspot_owners": len(hub.owners),
            "hubspot_companies": len(hub.companies),
            "hubspot_contacts": len(hub.contacts),
            "hubspot_contacts_archived": sum(c.archived for c in hub.contacts),
            "hubspot_contacts_paid_search": sum(c.properties["hs_analytics_source"] == "PAID_SEARCH" for c in hub.contacts),
            "hubspot_deals": len(hub.deals),
            "hubspot_deals_won": deal_stages.count("closedwon"),
            "hubspot_deals_lost": deal_stages.count("closedlost"),
            "hubspot_deals_open": sum(s in OPEN_STAGES for s in deal_stages),
            "hubspot_deals_without_contact": sum(d.id not in with_contact for d in hub.deals),
            **{f"hubspot_{t}": len(records) for t, records in hub.engagements.items()},
        }
        counts.update({f"hubspot_contacts_{stage}": stages.count(stage) for stage in STAGE_ORDER})
        counts["hubspot_contacts_paid_social"] = sum(
            c.properties["hs_analytics_source"] == "PAID_SOCIAL" for c in hub.contacts)
        counts["hubspot_contacts_paid_search_bing"] = sum(
            c.properties["hs_analytics_source"] == "PAID_SEARCH" and c.properties["hs_analytics_source_data_1"] == "bing"
            for c in hub.contacts)
        for prefix, data in (("meta", self.meta), ("linkedin", self.linkedin), ("microsoft_ads", self.microsoft_ads)):
            counts.update({
                f"{prefix}_accounts": len(data.accounts),
                f"{prefix}_campaigns": len(data.campaigns),
                f"{prefix}_stat_rows": len(data.stats),
                f"{prefix}_clicks": sum(s.clicks for s in data.stats),
                f"{prefix}_conversions": round(sum(s.conversions for s in data.stats)),
            })
        counts.update(self.salesforce.summary())
        return counts


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def iso(moment: datetime | None) -> str | None:
    """HubSpot datetime text: UTC with ``Z``; millis only when there are any."""
    if moment is None:
        return None
    moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(timespec="milliseconds" if moment.microsecond else "seconds") + "Z"


def _stamp(rng: random.Random, moment: datetime) -> datetime:
    """Give an event milliseconds, or none in a quarter of cases (both forms occur)."""
    return moment.replace(microsecond=0 if rng.random() < 0.25 else rng.randint(1, 999) * 1000)


def _after(rng: random.Random, moment: datetime, min_days: float, max_days: float) -> datetime:
    return _stamp(rng, moment + timedelta(seconds=rng.uniform(min_days * 86400, max_days * 86400)))


def _poisson(rng: random.Random, lam: float) -> int:
    """Knuth's sampler; the rates here are small."""
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _digits(rng: random.Random, n: int, taken: set[str]) -> str:
    while True:
        value = str(rng.randrange(10 ** (n - 1), 10**n))
        if value not in taken:
            taken.add(value)
            return value


# --------------------------------------------------------------------------------------
# Google Ads
# --------------------------------------------------------------------------------------

ACCOUNTS = (
    ("USD", "America/New_York", "Lumen Metrics - US", (
        ("Brand - US", "US", "brand"), ("Generic - Analytics Software", "US", "generic"),
        ("Competitor - US", "US", "competitor"), ("Generic - Dashboard Tools", "US", "generic"),
        ("Generic - KPI Reporting", "US", "generic"), ("Generic - Data Warehouse", "US", "generic"))),
    ("EUR", "Europe/Berlin", "Lumen Metrics - EU", (
        ("Brand - DE", "DE", "brand"), ("Generic - Analytics Software - DE", "DE", "generic"),
        ("Brand - FR", "FR", "brand"), ("Generic - Reporting - NL", "NL", "generic"),
        ("Generic - BI Tools - FR", "FR", "generic"), ("Competitor - DE", "DE", "competitor"))),
    ("GBP", "Europe/London", "Lumen Metrics - UK", (
        ("Brand - UK", "GB", "brand"), ("Competitor - UK", "GB", "competitor"),
        ("Generic - Analytics Software - UK", "GB", "generic"), ("Generic - Dashboard Tools - UK", "GB", "generic"),
        ("Generic - KPI Reporting - UK", "GB", "generic"), ("Generic - Data Warehouse - UK", "GB", "generic"))),
)
# kind -> (clicks per day, CPC range, CTR, lead rate per click, lead quality)
KINDS = {
    "brand": (25, (1.0, 2.2), 0.15, 0.030, 1.3),
    "generic": (20, (3.0, 6.0), 0.05, 0.020, 0.9),
    "competitor": (10, (4.0, 6.0), 0.03, 0.015, 0.7),
}
RENAMED_FROM = "Generic - BI Software"  # former name of the USD account's second campaign


@dataclass
class _PaidTouch:
    campaign: AdsCampaign | PlatformCampaign
    day: date
    created: datetime
    quality: float
    platform: str = "google_ads"


def _build_google_ads(
    rng: random.Random, scale: float, start: date, today: date
) -> tuple[GoogleAdsData, list[_PaidTouch]]:
    customers: list[AdsCustomer] = []
    campaigns: list[AdsCampaign] = []
    params: dict[str, tuple[Any, ...]] = {}
    ids: set[str] = set()
    per_account = max(2, round(4 * scale))
    for currency, tz, descriptive_name, pool in ACCOUNTS:
        customer = AdsCustomer(_digits(rng, 10, ids), descriptive_name, currency, tz)
        customers.append(customer)
        for i in range(per_account):
            name, market, kind = pool[i % len(pool)]
            if i >= len(pool):
                name = f"{name} #{i // len(pool) + 1}"
            k = len(campaigns)
            begin, end, status = start, None, "ENABLED"
            if k % 4 == 2:  # launched during the history
                begin = start + timedelta(days=rng.randint(90, 400))
            elif k % 4 == 3:  # stopped before the end of the history
                end, status = today - timedelta(days=rng.randint(60, 240)), "PAUSED"
            campaign = AdsCampaign(
                id=_digits(rng, 11, ids), customer_id=customer.id, name=name, status=status,
                advertising_channel_type="SEARCH", start_date=begin, end_date=end, market=market,
            )
            if currency == "USD" and i == 1:
                campaign.former_names.append((RENAMED_FROM, today - timedelta(days=rng.randint(250, 400))))
            if currency == "GBP" and i == 1:
                campaign.produces_leads = False  # spends, but its form tracking never fired
            clicks, (cpc_lo, cpc_hi), ctr, lead_rate, quality = KINDS[kind]
            params[campaign.id] = (
                clicks * rng.uniform(0.8, 1.25), rng.uniform(cpc_lo, cpc_hi), ctr * rng.uniform(0.8, 1.2),
                lead_rate * rng.uniform(0.8, 1.2), quality,
            )
            campaigns.append(campaign)

    stats: list[AdsDailyStat] = []
    touches: list[_PaidTouch] = []
    zones = {c.id: ZoneInfo(c.time_zone) for c in customers}
    for campaign in campaigns:
        base_clicks, cpc, ctr, lead_rate, quality = params[campaign.id]
        zone = zones[campaign.customer_id]
        last = campaign.end_date or today - timedelta(days=1)
        day = campaign.start_date
        while day <= last:
            progress = (day - start).days / HISTORY_DAYS
            factor = (0.75 + 0.5 * progress) * (1 + 0.12 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 80) / 365))
            factor *= 0.55 if day.weekday() >= 5 else 1.0
            if rng.random() < 0.02:  # budget exhausted / billing hiccup
                clicks, impressions = 0, rng.randint(3, 60)
            else:
                clicks = max(0, round(base_clicks * factor * rng.lognormvariate(0, 0.3)))
                impressions = round(clicks / (ctr * rng.uniform(0.85, 1.15))) + rng.randint(0, 25)
            cost_micros = round(clicks * cpc * rng.uniform(0.8, 1.2) * 1_000_000)
            leads = _poisson(rng, clicks * lead_rate) if campaign.produces_leads else 0
            for _ in range(leads):
                hour = min(23, int(rng.triangular(7, 24, 14)))
                local = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), zone)
                touches.append(_PaidTouch(campaign, day, _stamp(rng, local.astimezone(UTC)), quality))
            conversions = round(leads * rng.uniform(0.8, 1.2), 2) if leads else 0.0
            stats.append(AdsDailyStat(
                campaign.customer_id, campaign.id, day, impressions, clicks, cost_micros,
                conversions, round(conversions * 120 * rng.uniform(0.9, 1.1), 2),
            ))
            day += timedelta(days=1)
    return GoogleAdsData(customers, campaigns, stats), touches


# --------------------------------------------------------------------------------------
# Meta, LinkedIn, Microsoft Advertising
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _PlatformSpec:
    platform: str
    account_name: str
    currency: str
    time_zone: str
    id_digits: tuple[int, int]  # digits of account ids and campaign ids
    id_prefix: tuple[str, str]
    spend_places: int  # decimals the platform reports spend with
    statuses: tuple[str, str, str]  # running, paused, ended
    campaigns_per_scale: int
    # (name, market, kind, objective), cycled like the Google Ads pools
    pool: tuple[tuple[str, str, str, str], ...]
    renamed: tuple[int, str]  # index of the campaign renamed during the history, its former name


# kind -> (clicks per day, CPC range, CTR, lead rate per click, lead quality, platform conversions per lead)
PLATFORM_KINDS = {
    "prospecting": (40, (0.5, 1.1), 0.009, 0.0035, 0.6, 1.5),
    "retargeting": (18, (0.7, 1.5), 0.014, 0.0070, 0.8, 1.3),
    "awareness": (30, (0.2, 0.5), 0.004, 0.0, 0.0, 0.0),
    "lead_gen": (9, (6.0, 10.0), 0.006, 0.0120, 1.0, 1.2),
    "search_brand": (5, (0.8, 1.8), 0.12, 0.030, 1.3, 1.1),
    # broad-match search on Bing: many impressions per click
    "search_generic": (4, (2.0, 4.5), 0.004, 0.020, 0.9, 1.1),
    "search_competitor": (2, (3.0, 4.5), 0.003, 0.015, 0.7, 1.1),
}
PLATFORMS = (
    _PlatformSpec(
        "meta_ads", "Lumen Metrics - Meta", "EUR", "Europe/Berlin", (15, 17), ("1", "2385"), 2,
        ("ACTIVE", "PAUSED", "PAUSED"), 4,
        (("prospecting-lookalike", "DE", "prospecting", "OUTCOME_LEADS"),
         ("retargeting-visitors", "GB", "retargeting", "OUTCOME_LEADS"),
         ("ebook-funnel-metrics", "FR", "prospecting", "OUTCOME_LEADS"),
         ("brand-awareness-video", "DE", "awareness", "OUTCOME_AWARENESS")),
        (1, "retargeting-site-visitors"),
    ),
    _PlatformSpec(
        "linkedin_ads", "Lumen Metrics - LinkedIn", "USD", "UTC", (9, 9), ("5", "3"), 6,
        ("ACTIVE", "PAUSED", "COMPLETED"), 3,
        (("demo-request", "US", "lead_gen", "LEAD_GENERATION"),
         ("ebook-funnel-metrics", "US", "lead_gen", "WEBSITE_CONVERSIONS"),
         ("thought-leadership", "US", "awareness", "BRAND_AWARENESS")),
        (0, "demo-request-q1"),
    ),
    _PlatformSpec(
        "microsoft_ads", "Lumen Metrics - Microsoft Ads", "USD", "America/Los_Angeles", (9, 9), ("1", "4"), 2,
        ("Active", "Paused", "Paused"), 4,
        # imported from Google Ads, names included (the usual way accounts start)
        (("Brand - US", "US", "search_brand", "Search"),
         ("Generic - Analytics Software", "US", "search_generic", "Search"),
         ("Competitor - US", "US", "search_competitor", "Search"),
         ("Generic - Dashboard Tools", "US", "search_generic", "Search")),
        (1, RENAMED_FROM),
    ),
)


def _prefixed(rng: random.Random, prefix: str, digits: int, taken: set[str]) -> str:
    while True:
        value = prefix + "".join(str(rng.randrange(10)) for _ in range(digits - len(prefix)))
        if value not in taken:
            taken.add(value)
            return value


def _build_platform(spec: _PlatformSpec, seed: int, scale: float, start: date,
                    today: date) -> tuple[AdPlatformData, list[_PaidTouch]]:
    """One platform's account, campaigns and stats, from its own random stream."""
    rng = random.Random(f"{seed}:{spec.platform}")
    ids: set[str] = set()
    zone = ZoneInfo(spec.time_zone)
    account = PlatformAccount(_prefixed(rng, spec.id_prefix[0], spec.id_digits[0], ids), spec.account_name,
                              spec.currency, spec.time_zone)
    if spec.platform == "microsoft_ads":
        account.customer_id = _prefixed(rng, "2", 9, ids)
    campaigns: list[PlatformCampaign] = []
    params: dict[str, tuple[Any, ...]] = {}
    running, paused, ended = spec.statuses
    for i in range(max(2, round(spec.campaigns_per_scale * scale))):
        name, market, kind, objective = spec.pool[i % len(spec.pool)]
        if i >= len(spec.pool):
            name = f"{name} #{i // len(spec.pool) + 1}"
        begin, end, status = start, None, running
        if i % 4 == 2:  # launched during the history
            begin = start + timedelta(days=rng.randint(90, 400))
        elif i % 4 == 3:  # stopped before the end of the history
            end = today - timedelta(days=rng.randint(60, 240))
            status = ended if spec.platform == "linkedin_ads" else paused
        created = datetime.combine(begin - timedelta(days=rng.randint(1, 20)), time(rng.randint(8, 18)), zone)
        clicks, (cpc_lo, cpc_hi), ctr, lead_rate, quality, per_lead = PLATFORM_KINDS[kind]
        campaign = PlatformCampaign(
            id=_prefixed(rng, spec.id_prefix[1], spec.id_digits[1], ids), account_id=account.id, name=name,
            status=status, objective=objective, start_date=begin, end_date=end, market=market,
            created_at=created.astimezone(UTC), produces_leads=lead_rate > 0,
        )
        if i == spec.renamed[0]:
            campaign.former_names.append((spec.renamed[1], today - timedelta(days=rng.randint(250, 400))))
        params[campaign.id] = (clicks * rng.uniform(0.8, 1.25), rng.uniform(cpc_lo, cpc_hi), ctr * rng.uniform(0.8, 1.2),
                               lead_rate * rng.uniform(0.8, 1.2), quality, per_lead)
        campaigns.append(campaign)

    unit = Decimal(1).scaleb(-spec.spend_places)
    places = 10 ** spec.spend_places
    stats: list[PlatformDailyStat] = []
    touches: list[_PaidTouch] = []
    for campaign in campaigns:
        base_clicks, cpc, ctr, lead_rate, quality, per_lead = params[campaign.id]
        day, last = campaign.start_date, campaign.end_date or today - timedelta(days=1)
        while day <= last:
            progress = (day - start).days / HISTORY_DAYS
            factor = (0.75 + 0.5 * progress) * (1 + 0.12 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 80) / 365))
            factor *= 0.6 if day.weekday() >= 5 else 1.0
            if rng.random() < 0.01:  # budget exhausted: no delivery, and the platforms report no row
                day += timedelta(days=1)
                continue
            clicks = max(0, round(base_clicks * factor * rng.lognormvariate(0, 0.3)))
            impressions = round(max(clicks, 1) / (ctr * rng.uniform(0.85, 1.15))) + rng.randint(0, 40)
            spend = Decimal(round(max(clicks, 0.3) * cpc * rng.uniform(0.8, 1.2) * places)) * unit
            leads = _poisson(rng, clicks * lead_rate) if campaign.produces_leads else 0
            for _ in range(leads):
                hour = min(23, int(rng.triangular(7, 24, 14)))
                local = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), zone)
                touches.append(_PaidTouch(campaign, day, _stamp(rng, local.astimezone(UTC)), quality, spec.platform))
            conversions = 0.0
            if leads:
                raw = leads * per_lead * rng.uniform(0.8, 1.2)
                # Meta and LinkedIn count whole conversions; Microsoft attributes fractions.
                conversions = round(raw, 2) if spec.platform == "microsoft_ads" else float(max(1, round(raw)))
            value = Decimal(round(conversions * 120 * rng.uniform(0.9, 1.1) * 100)) / 100 if conversions else Decimal("0.00")
            stats.append(PlatformDailyStat(account.id, campaign.id, day, impressions, clicks, spend, conversions,
                                           value.quantize(Decimal("0.01"))))
            day += timedelta(days=1)
    return AdPlatformData(spec.platform, [account], campaigns, stats), touches


# --------------------------------------------------------------------------------------
# HubSpot
# --------------------------------------------------------------------------------------

FIRST_NAMES = (
    "Ada", "Ben", "Chloe", "Daniel", "Elena", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Kara", "Liam",
    "Maya", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wen", "Xavier",
    "Yara", "Zoe", "Amelie", "Bruno", "Clara", "Dev", "Emma", "Finn", "Greta", "Hannah", "Ivan", "Julia",
)
LAST_NAMES = (
    "Adams", "Bauer", "Carter", "Dubois", "Evans", "Fischer", "Garcia", "Hughes", "Ibrahim", "Jansen",
    "Keller", "Laurent", "Martin", "Nguyen", "Owens", "Patel", "Quist", "Rossi", "Schmidt", "Taylor",
    "Usman", "Visser", "Weber", "Young", "Zimmer", "Bakker", "Moreau", "Wright", "Lopez", "Kowalski",
)
NAME_WORDS = (
    "Blue", "North", "Bright", "Silver", "Green", "Iron", "Granite", "Cedar", "Maple", "Harbor", "Summit",
    "Pioneer", "Atlas", "Nova", "Vertex", "Quantum", "Coastal", "Prairie", "Lantern", "Falcon", "Orbit",
    "Copper", "Willow", "Anchor",
)
NAME_NOUNS = (
    "River", "Peak", "Field", "Bridge", "Stone", "Forge", "Wave", "Grove", "Labs", "Works", "Systems",
    "Logistics", "Foods", "Health", "Retail", "Capital", "Energy", "Media", "Software", "Robotics",
)
LEGAL = {"US": ("Inc.", "LLC", "Corp."), "DE": ("GmbH", "AG"), "FR": ("SAS", "SA"), "NL": ("B.V.",), "GB": ("Ltd", "plc")}
TLD = {"US": ".com", "DE": ".de", "FR": ".fr", "NL": ".nl", "GB": ".co.uk"}
INDUSTRIES = ("COMPUTER_SOFTWARE", "RETAIL", "LOGISTICS_AND_SUPPLY_CHAIN", "FINANCIAL_SERVICES",
              "HOSPITAL_HEALTH_CARE", "MARKETING_AND_ADVERTISING")
COUNTRY_WEIGHTS = (("US", 0.50), ("GB", 0.18), ("DE", 0.14), ("FR", 0.10), ("NL", 0.08))
FX_FROM_USD = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}
OWNER_NAMES = (("Olga", "Okafor"), ("Marcus", "Reed"), ("Sofia", "Lindqvist"), ("Tom", "Brennan"), ("Priya", "Raman"),
               ("Jake", "Morrison"))
# Non-paid channels: (name, weight, lead quality)
CHANNELS = (
    ("organic", 0.28, 1.0), ("email", 0.12, 1.1), ("referral", 0.10, 1.3), ("direct", 0.14, 1.0),
    ("social", 0.08, 0.6), ("webinar", 0.07, 1.4), ("offline", 0.05, 1.5),
    ("unknown", 0.06, 0.8),
)
UTM_SOURCES = ("google", "google", "google", "google", "Google ", " GOOGLE", "adwords")
UTM_MEDIUMS = ("cpc", "cpc", "cpc", "cpc", "CPC ", "ppc", "paid")
BING_SOURCES = ("bing", "bing", "bing", "bing", "Bing", " bing", "microsoft")
# Paid social used to be a tenth of the leads that did not come from Google; those now
# come from the Meta and LinkedIn clicks, so the other channels bring a tenth fewer.
PAID_SOCIAL_SHARE = 0.10


def _messy_campaign(rng: random.Random, campaign: AdsCampaign | PlatformCampaign, day: date) -> str:
    """The utm_campaign a landing page captured: case and whitespace drift, sometimes the id."""
    name = campaign.name_on(day)
    roll = rng.random()
    if roll < 0.55:
        return name
    if roll < 0.67:
        return name.lower()
    if roll < 0.72:
        return name.upper()
    if roll < 0.80:
        return f" {name} "
    if roll < 0.88:
        return name.replace(" - ", "  -  ")
    return campaign.id


def _source_properties(rng: random.Random, channel: str, created: datetime) -> dict[str, str | None]:
    """Original-source and UTM properties of a lead that did not come from paid search."""
    source: str | None
    data_1 = data_2 = utm_source = utm_medium = utm_campaign = None
    if channel == "organic":
        source, data_2 = "ORGANIC_SEARCH", "Unknown keywords (SSL)"
        data_1 = rng.choice(("google", "google", "bing", "duckduckgo"))
    elif channel == "email":
        source, data_1 = "EMAIL_MARKETING", f"Newsletter {created:%B %Y}"
        utm_source, utm_medium, utm_campaign = "newsletter", "email", f"newsletter-{created:%Y-%m}"
    elif channel == "referral":
        source, data_1 = "REFERRALS", rng.choice(("g2.com", "capterra.com", "partnerhub.io", "medium.com"))
    elif channel == "direct":
        source = "DIRECT_TRAFFIC"
    elif channel == "social":
        source, data_1 = "SOCIAL_MEDIA", rng.choice(("LinkedIn", "Twitter", "Facebook", "Reddit"))
    elif channel == "webinar":
        utm_campaign = f"webinar-{rng.choice(('pipeline-metrics', 'attribution-101', 'board-reporting'))}-{created:%Y-%m}"
        utm_source, utm_medium = rng.choice(("zoom", "on24", "events")), "webinar"
        source, data_1 = "OTHER_CAMPAIGNS", utm_campaign
    elif channel == "offline":
        data_1 = rng.choice(("CRM_UI", "IMPORT", "INTEGRATION"))
        details = {"CRM_UI": "sales", "IMPORT": f"trade-show-{created:%Y}.csv", "INTEGRATION": "Zapier"}
        source, data_2 = "OFFLINE", details[data_1]
    else:  # unknown: HubSpot sends null or an empty string
        source = rng.choice((None, ""))
    return {
        "hs_analytics_source": source, "hs_analytics_source_data_1": data_1, "hs_analytics_source_data_2": data_2,
        "utm_source": utm_source, "utm_medium": utm_medium, "utm_campaign": utm_campaign,
    }


@dataclass
class _Lead:
    created: datetime
    country: str
    quality: float
    source: dict[str, str | None]
    company: int | None = None  # index into the company pool
    events: dict[str, datetime] = field(default_factory=dict)
    owner: str | None = None
    record: Record | None = None


@dataclass
class _Deal:
    created: datetime
    close: datetime  # planned close (in the future for open deals)
    won_probability: float
    owner: str
    company: int | None
    leads: list[_Lead]
    source: dict[str, str | None]
    name: str
    size: float
    modified: datetime | None = None
    record: Record | None = None


def _paid_source(rng: random.Random, touch: _PaidTouch) -> dict[str, str | None]:
    """Original-source and UTM properties of a lead that clicked an ad."""
    if touch.platform in ("google_ads", "microsoft_ads"):
        utm_campaign = _messy_campaign(rng, touch.campaign, touch.day)
        if touch.platform == "google_ads":
            engine, utm_source = "google", rng.choice(UTM_SOURCES)
        else:
            engine, utm_source = "bing", rng.choice(BING_SOURCES)
        return {
            "hs_analytics_source": "PAID_SEARCH", "hs_analytics_source_data_1": engine,
            "hs_analytics_source_data_2": utm_campaign, "utm_source": utm_source,
            "utm_medium": rng.choice(UTM_MEDIUMS), "utm_campaign": utm_campaign,
        }
    utm_campaign = touch.campaign.name_on(touch.day)
    if touch.platform == "meta_ads":
        utm_source, utm_medium, network = "facebook", "paid_social", "Facebook"
    else:  # LinkedIn ads tagged "cpc": cpc alone does not mean Google
        utm_source, network = "LinkedIn", "LinkedIn"
        utm_medium = "cpc" if rng.random() < 0.4 else "paid_social"
    return {
        "hs_analytics_source": "PAID_SOCIAL", "hs_analytics_source_data_1": network,
        "hs_analytics_source_data_2": utm_campaign, "utm_source": utm_source, "utm_medium": utm_medium,
        "utm_campaign": utm_campaign,
    }


def _build_hubspot(rng: random.Random, touches: list[_PaidTouch], start: date, now: datetime) -> HubSpotData:
    # Owners: five active, one who left the company (old deals still point at them).
    taken: set[str] = set()
    history_start = datetime.combine(start, time(9), UTC)
    owners: list[dict[str, Any]] = []
    owner_windows: list[tuple[str, datetime, datetime]] = []
    for i, (first, last) in enumerate(OWNER_NAMES):
        created = _after(rng, history_start, -400, -30)
        archived = i == len(OWNER_NAMES) - 1
        updated = _after(rng, now, -300, -260) if archived else _after(rng, created, 1, 200)
        owner_id, user_id = _digits(rng, 8, taken), int(_digits(rng, 7, taken))
        owners.append({
            "id": owner_id, "email": f"{first.lower()}.{last.lower()}@lumenmetrics.com", "type": "PERSON",
            "firstName": first, "lastName": last, "userId": user_id, "userIdIncludingInactive": user_id,
            "createdAt": iso(created), "updatedAt": iso(updated), "archived": archived,
            "teams": [{"id": "368389", "name": "Sales", "primary": True}],
        })
        owner_windows.append((owner_id, created, updated if archived else now))

    def owner_at(moment: datetime) -> str:
        active = [oid for oid, begin, end in owner_windows if begin <= moment <= end]
        return rng.choice(active)

    # Leads: paid search and paid social from the ads clicks, then about as many as
    # Google brings from everything else.
    leads: list[_Lead] = []
    for touch in touches:
        leads.append(_Lead(touch.created, touch.campaign.market, touch.quality, _paid_source(rng, touch)))
    from_google = sum(touch.platform == "google_ads" for touch in touches)
    channels, channel_weights = zip(*((name, weight) for name, weight, _ in CHANNELS))
    channel_quality = {name: quality for name, _, quality in CHANNELS}
    countries, country_weights = zip(*COUNTRY_WEIGHTS)
    span = (now - history_start).total_seconds() - 86400
    for _ in range(round(from_google * rng.uniform(0.95, 1.05) * (1 - PAID_SOCIAL_SHARE))):
        offset = rng.random() if rng.random() < 0.6 else rng.triangular(0, 1, 1)
        created = _stamp(rng, history_start + timedelta(seconds=offset * span))
        channel = rng.choices(channels, channel_weights)[0]
        leads.append(_Lead(created, rng.choices(countries, country_weights)[0], channel_quality[channel],
                           _source_properties(rng, channel, created)))
    leads.sort(key=lambda lead: lead.created)

    # Companies: a pool per country; bigger accounts bring several leads.
    pool: list[dict[str, Any]] = []
    by_country: dict[str, list[int]] = {}
    domains: set[str] = set()
    expected = {c: sum(lead.country == c for lead in leads) for c in countries}
    for country in countries:
        for _ in range(max(3, expected[country] // 3)):
            words = f"{rng.choice(NAME_WORDS)} {rng.choice(NAME_NOUNS)}"
            domain = words.lower().replace(" ", "") + TLD[country]
            while domain in domains:
                domain = f"{words.lower().replace(' ', '')}{rng.randint(2, 99)}{TLD[country]}"
            domains.add(domain)
            by_country.setdefault(country, []).append(len(pool))
            pool.append({"name": f"{words} {rng.choice(LEGAL[country])}", "domain": domain, "country": country,
                         "industry": rng.choice(INDUSTRIES), "employees": str(int(rng.lognormvariate(4, 1.2)) + 2),
                         "created": None, "leads": [], "deals": []})

    # Lifecycle: lead -> MQL -> SQL -> deal (opportunity) -> won (customer).
    emails: dict[str, int] = {}
    deals: list[_Deal] = []
    for lead in leads:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if rng.random() < 0.07:
            domain = rng.choice(("gmail.com", "outlook.com", "yahoo.com"))
        else:
            options = by_country[lead.country]
            lead.company = options[int(len(options) * rng.random() ** 1.6)]
            domain = pool[lead.company]["domain"]
            pool[lead.company]["leads"].append(lead)
        local = f"{first}.{last}".lower()
        emails[f"{local}@{domain}"] = emails.get(f"{local}@{domain}", 0) + 1
        if emails[f"{local}@{domain}"] > 1:
            local += str(emails[f"{local}@{domain}"])
        lead.source.update(email=f"{local}@{domain}", firstname=first, lastname=last)
        lead.events["lead"] = lead.created
        if rng.random() < min(0.9, 0.35 * lead.quality):
            lead.events["marketingqualifiedlead"] = _after(rng, lead.created, 0.1, 20)
            if rng.random() < 0.45:
                lead.events["salesqualifiedlead"] = _after(rng, lead.events["marketingqualifiedlead"], 1, 30)
                lead.owner = owner_at(min(lead.events["salesqualifiedlead"], now))
                if rng.random() < 0.60:
                    created = _after(rng, lead.events["salesqualifiedlead"], 3, 60)
                    deals.append(_Deal(created, _after(rng, created, 10, 120), rng.uniform(0.3, 0.4), lead.owner,
                                       lead.company, [lead], lead.source, "New business", 1.0))
        lead.events = {stage: moment for stage, moment in lead.events.items() if moment <= now}
        if "salesqualifiedlead" not in lead.events:
            lead.owner = None
    deals = [deal for deal in deals if deal.created <= now]

    # A second buyer on some deals, outbound deals with no contact, repeat business.
    for deal in deals:
        if deal.company is not None and rng.random() < 0.15:
            colleagues = pool[deal.company]["leads"]
            others = [lead for lead in colleagues if lead is not deal.leads[0] and lead.created < deal.created]
            if others:
                deal.leads.append(rng.choice(others))
    offline = {"hs_analytics_source": "OFFLINE", "hs_analytics_source_data_1": "CRM_UI", "hs_analytics_source_data_2": None}
    for _ in range(round(len(deals) * 0.055)):
        created = _stamp(rng, history_start + timedelta(seconds=rng.random() * span))
        country = rng.choices(countries, country_weights)[0]
        company = rng.choice(by_country[country])
        deals.append(_Deal(created, _after(rng, created, 10, 120), 0.3, owner_at(created), company, [],
                           offline, "Outbound", 1.0))
    for deal in list(deals):
        if deal.company is not None and deal.close <= now and rng.random() < 0.25:
            created = _after(rng, deal.close, 90, 300)
            if created <= now:
                deals.append(_Deal(created, _after(rng, created, 10, 120), 0.8, owner_at(created), deal.company,
                                   deal.leads[:1], deal.source, "Expansion", 0.5))
    deals.sort(key=lambda deal: deal.created)

    # Deal records; winning a deal makes its contacts customers.
    deal_records: list[Record] = []
    next_id = 9_000_001
    for deal in deals:
        company = pool[deal.company] if deal.company is not None else None
        country = company["country"] if company else deal.leads[0].country
        currency = CURRENCY_BY_COUNTRY[country]
        amount = max(2000.0, min(150000.0, rng.lognormvariate(math.log(15000), 0.6))) * deal.size * FX_FROM_USD[currency]
        closed = deal.close <= now
        won = closed and rng.random() < deal.won_probability
        if closed:
            stage, closedate = ("closedwon" if won else "closedlost"), deal.close
            modified = min(now, _after(rng, deal.close, 0, 0.1))
        else:
            progress = (now - deal.created) / (deal.close - deal.created)
            stage = OPEN_STAGES[min(len(OPEN_STAGES) - 1, int(progress * len(OPEN_STAGES)))]
            closedate = deal.close if rng.random() < 0.6 else None
            modified = _stamp(rng, deal.created + (now - deal.created) * rng.random())
        label = company["name"] if company else f"{deal.leads[0].source['firstname']} {deal.leads[0].source['lastname']}"
        props: dict[str, str | None] = {
            "dealname": f"{label} - {deal.name}",
            "amount": "" if not closed and rng.random() < 0.2 else f"{round(amount / 50) * 50:.2f}",
            "deal_currency_code": currency,
            "dealstage": stage,
            "pipeline": "default",
            "createdate": iso(deal.created),
            "closedate": iso(closedate),
            "hs_lastmodifieddate": iso(modified),
            "hubspot_owner_id": deal.owner,
            "hs_analytics_source": deal.source.get("hs_analytics_source"),
            "hs_analytics_source_data_1": deal.source.get("hs_analytics_source_data_1"),
            "hs_analytics_source_data_2": deal.source.get("hs_analytics_source_data_2"),
            "hs_is_closed": "true" if closed else "false",
            "hs_is_closed_won": "true" if won else "false",
            "hs_object_id": str(next_id),
        }
        deal.record, deal.modified = Record("deals", str(next_id), props), modified
        deal_records.append(deal.record)
        next_id += rng.randint(1, 3)
        if company:
            company["deals"].append(deal)
        for lead in deal.leads:
            lead.events.setdefault("opportunity", deal.created)
            lead.owner = lead.owner or deal.owner
            if won:
                lead.events["customer"] = min(lead.events.get("customer", deal.close), deal.close)

    # Companies that appear anywhere get records, in creation order.
    used = [company for company in pool if company["leads"] or company["deals"]]
    for company in used:
        firsts = [lead.created for lead in company["leads"]] + [deal.created for deal in company["deals"]]
        company["created"] = _after(rng, min(firsts), -0.05, -0.001)
    used.sort(key=lambda company: company["created"])
    company_records: list[Record] = []
    next_id = 5_000_001
    for company in used:
        modified = max([company["created"]] + [deal.modified for deal in company["deals"]])
        company["record"] = Record("companies", str(next_id), {
            "name": company["name"], "domain": company["domain"], "country": company["country"],
            "industry": company["industry"], "numberofemployees": company["employees"],
            "createdate": iso(company["created"]), "hs_lastmodifieddate": iso(modified), "hs_object_id": str(next_id),
        })
        company_records.append(company["record"])
        next_id += rng.randint(1, 3)

    # Contact records.
    contact_records: list[Record] = []
    next_id = 100_001
    for lead in leads:
        events = lead.events
        modified = min(now, max(events.values()) + timedelta(seconds=rng.randint(1, 900)))
        stage = max(events, key=STAGE_ORDER.index)
        company_id = pool[lead.company]["record"].id if lead.company is not None else None
        props = {
            "email": lead.source["email"], "firstname": lead.source["firstname"], "lastname": lead.source["lastname"],
            "createdate": iso(lead.created), "lastmodifieddate": iso(modified), "lifecyclestage": stage,
            **{f"hs_lifecyclestage_{s}_date": iso(events.get(s)) for s in STAGE_ORDER},
            **{k: v for k, v in lead.source.items() if k not in ("email", "firstname", "lastname")},
            "hubspot_owner_id": lead.owner, "associatedcompanyid": company_id, "hs_merged_object_ids": None,
            "hs_object_id": str(next_id),
        }
        lead.record = Record("contacts", str(next_id), props)
        # Junk leads soft-deleted recently: they show up only with archived=true.
        if stage == "lead" and lead.created > now - timedelta(days=200) and rng.random() < 0.04:
            archived_at = min(now, _after(rng, max(lead.created, now - timedelta(days=89)), 0, 1))
            lead.record.archived, lead.record.archived_at = True, iso(archived_at)
        contact_records.append(lead.record)
        next_id += rng.randint(1, 3)

    def company_id(index: int | None) -> list[str]:
        return [] if index is None else [pool[index]["record"].id]

    associations = {
        ("contacts", "companies"): {lead.record.id: company_id(lead.company) for lead in leads if lead.company is not None},
        ("deals", "contacts"): {deal.record.id: [lead.record.id for lead in deal.leads] for deal in deals if deal.leads},
        ("deals", "companies"): {deal.record.id: company_id(deal.company) for deal in deals if deal.company is not None},
    }
    return HubSpotData(
        portal_id=int(_digits(rng, 8, taken)), time_zone="US/Eastern", company_currency="USD", owners=owners,
        contacts=contact_records, companies=company_records, deals=deal_records, associations=associations,
    )


def build_company(scale: float = 1.0, seed: int = 7, today: date = DEFAULT_TODAY) -> Company:
    """Build the company for the 730 days before ``today``; same arguments, same company."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = random.Random(seed)
    start = today - timedelta(days=HISTORY_DAYS)
    now = datetime.combine(today, time(12), UTC)
    ads, touches = _build_google_ads(rng, scale, start, today)
    platforms = {}
    for spec in PLATFORMS:
        platforms[spec.platform], platform_touches = _build_platform(spec, seed, scale, start, today)
        touches.extend(platform_touches)
    touches.sort(key=lambda touch: touch.created)
    hubspot = _build_hubspot(rng, touches, start, now)
    _add_engagements(hubspot, random.Random(f"{seed}:engagements"), now)
    salesforce = build_salesforce_org(seed, scale, start, now)
    return Company(seed, scale, today, now, ads, hubspot, platforms["meta_ads"], platforms["linkedin_ads"],
                   platforms["microsoft_ads"], salesforce)


# --------------------------------------------------------------------------------------
# HubSpot engagements: the sales team's calls, emails, meetings and tasks
# --------------------------------------------------------------------------------------

# Hours to the first sales touch (log-normal median) by original source: inbound
# demand from paid and referral is worked first, the rest when a rep gets to it.
FIRST_TOUCH_MEDIAN_HOURS = {"PAID_SEARCH": 1.5, "PAID_SOCIAL": 3.0, "REFERRALS": 2.0, "OFFLINE": 6.0}
FIRST_TOUCH_DEFAULT_HOURS = 10.0
NEVER_TOUCHED_SHARE = 0.12  # leads no one ever works (the "untouched leads" of the scorecard)
CALL_STATUSES = (("COMPLETED", 0.45), ("NO_ANSWER", 0.90), ("BUSY", 1.0))  # cumulative shares


def _add_engagements(hub: HubSpotData, rng: random.Random, now: datetime) -> None:
    """Engagements on the contacts, from the company's sales activity.

    A rep calls or emails most new leads within hours (inbound paid demand fastest);
    some leads are never worked. MQLs get another touch, SQLs a discovery meeting,
    and deals meetings and completed tasks while they are open; open deals also have
    a meeting and a task planned after ``now``. Some emails get a reply (the lead's,
    not a sales touch), and a few engagements were deleted (archived) after logging.
    """
    windows = []
    for owner in hub.owners:
        begin = datetime.fromisoformat(owner["createdAt"].replace("Z", "+00:00"))
        end = datetime.fromisoformat(owner["updatedAt"].replace("Z", "+00:00")) if owner["archived"] else now
        windows.append((owner["id"], begin, end))

    def owner_at(moment: datetime, preferred: str | None = None) -> str:
        active = [oid for oid, begin, end in windows if begin <= moment <= end]
        if preferred in active:
            return preferred
        return active[int(rng.random() * len(active))] if active else windows[0][0]

    def parse(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None

    ids = iter(range(40_000_001, 10**9, 3))  # engagements share one id space in HubSpot
    links: dict[tuple[str, str], dict[str, list[str]]] = {(t, "contacts"): {} for t in ENGAGEMENT_TYPES}

    def seconds(low: int, high: int) -> timedelta:
        return timedelta(seconds=low + int(rng.random() * (high - low)))

    def log(kind: str, contact: str, at: datetime, owner: str | None, planned: bool = False,
            done: datetime | None = None, **props: str | None) -> None:
        """One engagement at ``at``; ``planned`` ones (in the future) were created before ``now``,
        tasks before their due time; one ``done`` later than logged was modified then."""
        if planned:
            created = now - seconds(3600, 10 * 86400)
        elif kind == "tasks":
            created = at - seconds(6 * 3600, 3 * 86400)
        else:  # logged minutes after it happened
            created = min(now, at + seconds(30, 3600))
        stamp = iso(created)
        if done is not None and done > created:
            modified = iso(done)
        else:
            modified = stamp if rng.random() < 0.8 else iso(min(now, created + seconds(60, 86400)))
        record_id = str(next(ids))
        record = Record(kind, record_id, {
            "hs_timestamp": iso(at), "hubspot_owner_id": owner, "hs_createdate": stamp,
            "hs_lastmodifieddate": modified, "hs_object_id": record_id, **props,
        })
        if not planned and rng.random() < 0.01:  # logged by mistake, deleted soon after
            record.archived, record.archived_at = True, iso(min(now, _after(rng, created, 0.01, 2)))
        hub.engagements[kind].append(record)
        links[(kind, "contacts")][record_id] = [contact]

    def call(contact: str, at: datetime, owner: str, title: str) -> None:
        draw = rng.random()
        status = next((name for name, cumulative in CALL_STATUSES if draw < cumulative), CALL_STATUSES[-1][0])
        log("calls", contact, at, owner, hs_call_title=title, hs_call_direction="OUTBOUND", hs_call_status=status,
            hs_call_duration=str(seconds(60, 1800).seconds * 1000 if status == "COMPLETED" else 0))

    def email(contact: str, at: datetime, owner: str, subject: str) -> None:
        log("emails", contact, at, owner, hs_email_subject=subject, hs_email_direction="EMAIL", hs_email_status="SENT")
        reply = at + seconds(3600, 3 * 86400)
        if rng.random() < 0.1 and reply <= now:
            log("emails", contact, reply, owner, hs_email_subject=f"Re: {subject}", hs_email_direction="INCOMING_EMAIL",
                hs_email_status=None)

    def reach_out(contact: str, at: datetime, owner: str, why: str) -> None:
        (call if rng.random() < 0.55 else email)(contact, at, owner, why)

    def meeting(contact: str, at: datetime, owner: str, title: str) -> None:
        planned = at > now
        outcome = "SCHEDULED" if planned else rng.choices(("COMPLETED", "NO_SHOW", "RESCHEDULED"), (0.85, 0.1, 0.05))[0]
        end = at + timedelta(minutes=rng.choice((30, 45, 60)))
        log("meetings", contact, at, owner, planned, hs_meeting_title=title, hs_meeting_start_time=iso(at),
            hs_meeting_end_time=iso(end), hs_meeting_outcome=outcome)

    def task(contact: str, due: datetime, owner: str, subject: str) -> None:
        planned = due > now
        done = None if planned else min(now, _after(rng, due, -0.2, 0.5))  # never before it was created
        log("tasks", contact, due, owner, planned, done, hs_task_subject=subject,
            hs_task_type=rng.choice(("CALL", "EMAIL", "TODO")), hs_task_status="NOT_STARTED" if planned else "COMPLETED",
            hs_task_priority=rng.choice(("LOW", "MEDIUM", "HIGH")), hs_task_completion_date=iso(done))

    for contact in hub.contacts:
        props = contact.properties
        created, owner = parse(props["createdate"]), props["hubspot_owner_id"]
        if created is None or rng.random() < NEVER_TOUCHED_SHARE:
            continue
        median = FIRST_TOUCH_MEDIAN_HOURS.get(props["hs_analytics_source"] or "", FIRST_TOUCH_DEFAULT_HOURS)
        first = _stamp(rng, created + timedelta(hours=rng.lognormvariate(math.log(median), 1.1)))
        if first > now:
            continue
        rep = owner_at(first, owner)
        reach_out(contact.id, first, rep, "Thanks for your interest")
        if rng.random() < 0.15:
            follow_up = _after(rng, first, 1, 4)
            if follow_up <= now:
                reach_out(contact.id, follow_up, rep, "Following up")
        mql, sql = parse(props["hs_lifecyclestage_marketingqualifiedlead_date"]), parse(
            props["hs_lifecyclestage_salesqualifiedlead_date"])
        if mql is not None and mql > first and rng.random() < 0.35:
            touch = _after(rng, mql, 0.05, 2)
            if touch <= now:
                reach_out(contact.id, touch, owner_at(touch, owner), "Quick question about your reporting")
        if sql is not None:
            at = max(first + seconds(600, 86400), _after(rng, sql, -2, -0.1))  # never before the first touch
            meeting(contact.id, at, owner_at(at, owner), "Discovery call")

    contacts_of = hub.associations[("deals", "contacts")]
    for deal in hub.deals:
        props = deal.properties
        contacts, created, close = contacts_of.get(deal.id), parse(props["createdate"]), parse(props["closedate"])
        if not contacts or created is None:
            continue
        owner, is_open = props["hubspot_owner_id"], props["hs_is_closed"] != "true"
        end = min(now, close) if close is not None and not is_open else now
        for _ in range(rng.randint(1, 2)):
            at = _stamp(rng, created + (end - created) * rng.random())
            meeting(rng.choice(contacts), at, owner_at(at, owner), "Demo and proposal")
        if rng.random() < 0.6:
            at = _stamp(rng, created + (end - created) * rng.random())
            task(contacts[0], at, owner_at(at, owner), "Send pricing")
        if is_open:  # the next steps of an open deal lie ahead
            meeting(contacts[0], _after(rng, now, 1, 14), owner_at(now, owner), "Follow-up")
            task(contacts[0], _after(rng, now, 0.5, 7), owner_at(now, owner), "Prepare contract")

    hub.associations.update(links)
