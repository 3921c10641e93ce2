"""The Salesforce org of the synthetic company: its enterprise sales team.

Lumen Metrics' enterprise team sells from Salesforce while the rest of the
company runs HubSpot. The org has its own leads (web, paid search, webinars,
email, partners, outbound), a Lead Status picklist with dated qualification
steps, converted leads with their contact, account and opportunity, the
opportunities' stage history, campaigns with members, and the team's calls,
emails and meetings. It comes from its own random stream derived from the
seed, so it leaves every other vendor's data as it was.

Records are dicts of Salesforce field names to Python values (``datetime``
in UTC, ``date``, ``float``, ``bool``, ``str`` or ``None``); the server
renders them the way the REST API does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

UTC = timezone.utc

# Three-character key prefixes of the standard objects' ids.
KEY_PREFIX = {
    "User": "005", "Account": "001", "Contact": "003", "Lead": "00Q", "Opportunity": "006",
    "OpportunityHistory": "008", "Campaign": "701", "CampaignMember": "00v", "Task": "00T", "Event": "00U",
}
_AUDIT = {"Id": "id", "IsDeleted": "boolean", "CreatedDate": "datetime", "CreatedById": "reference",
          "LastModifiedDate": "datetime", "SystemModstamp": "datetime"}
# name -> Salesforce field type, per object, in describe order. OpportunityHistory is
# append-only and has no LastModifiedDate. `__c` fields are the org's custom fields.
FIELDS: dict[str, dict[str, str]] = {
    "User": {**_AUDIT, "Username": "string", "Email": "email", "FirstName": "string", "LastName": "string",
             "Name": "string", "IsActive": "boolean", "Title": "string"},
    "Account": {**_AUDIT, "Name": "string", "Website": "url", "Industry": "picklist", "BillingCountry": "string",
                "NumberOfEmployees": "int", "Type": "picklist", "OwnerId": "reference", "BillingAddress": "address"},
    "Lead": {**_AUDIT, "FirstName": "string", "LastName": "string", "Name": "string", "Email": "email",
             "Company": "string", "Title": "string", "Country": "string", "Status": "picklist",
             "LeadSource": "picklist", "Industry": "picklist", "OwnerId": "reference", "IsConverted": "boolean",
             "ConvertedDate": "date", "ConvertedAccountId": "reference", "ConvertedContactId": "reference",
             "ConvertedOpportunityId": "reference", "MasterRecordId": "reference", "MQL_Date__c": "datetime",
             "SQL_Date__c": "datetime", "UTM_Source__c": "string", "UTM_Medium__c": "string",
             "UTM_Campaign__c": "string", "Address": "address"},
    "Contact": {**_AUDIT, "AccountId": "reference", "FirstName": "string", "LastName": "string", "Name": "string",
                "Email": "email", "Title": "string", "LeadSource": "picklist", "OwnerId": "reference",
                "MailingCountry": "string", "MasterRecordId": "reference", "UTM_Source__c": "string",
                "UTM_Medium__c": "string", "UTM_Campaign__c": "string"},
    "Opportunity": {**_AUDIT, "Name": "string", "AccountId": "reference", "Amount": "currency",
                    "CurrencyIsoCode": "picklist", "StageName": "picklist", "Probability": "percent",
                    "CloseDate": "date", "IsClosed": "boolean", "IsWon": "boolean", "ForecastCategory": "picklist",
                    "Type": "picklist", "LeadSource": "picklist", "CampaignId": "reference", "OwnerId": "reference",
                    "LastStageChangeDate": "datetime"},
    "OpportunityHistory": {**{k: v for k, v in _AUDIT.items() if k != "LastModifiedDate"},
                           "OpportunityId": "reference", "StageName": "picklist", "Amount": "currency",
                           "CloseDate": "date", "Probability": "percent", "ForecastCategory": "picklist",
                           "CurrencyIsoCode": "picklist"},
    "Campaign": {**_AUDIT, "Name": "string", "Type": "picklist", "Status": "picklist", "StartDate": "date",
                 "EndDate": "date", "IsActive": "boolean", "OwnerId": "reference", "ParentId": "reference"},
    "CampaignMember": {**_AUDIT, "CampaignId": "reference", "LeadId": "reference", "ContactId": "reference",
                       "Status": "picklist", "HasResponded": "boolean", "FirstRespondedDate": "date"},
    "Task": {**_AUDIT, "Subject": "string", "TaskSubtype": "picklist", "Status": "picklist", "WhoId": "reference",
             "WhatId": "reference", "OwnerId": "reference", "ActivityDate": "date", "IsClosed": "boolean",
             "CompletedDateTime": "datetime"},
    "Event": {**_AUDIT, "Subject": "string", "EventSubtype": "picklist", "WhoId": "reference",
              "WhatId": "reference", "OwnerId": "reference", "ActivityDateTime": "datetime",
              "StartDateTime": "datetime", "EndDateTime": "datetime", "DurationInMinutes": "int"},
}
OBJECTS = tuple(FIELDS)

# StageName -> (probability %, forecast category, closed, won), in pipeline order.
STAGES = {
    "Prospecting": (10.0, "Pipeline", False, False), "Qualification": (20.0, "Pipeline", False, False),
    "Needs Analysis": (40.0, "Pipeline", False, False), "Proposal/Price Quote": (75.0, "BestCase", False, False),
    "Negotiation/Review": (90.0, "Commit", False, False), "Closed Won": (100.0, "Closed", True, True),
    "Closed Lost": (0.0, "Omitted", True, False),
}
OPEN_STAGES = tuple(s for s, spec in STAGES.items() if not spec[2])
# The org's Lead Status picklist, in funnel order.
LEAD_STATUSES = ("Open - Not Contacted", "Marketing Qualified", "Sales Qualified", "Closed - Converted",
                 "Closed - Not Converted")
USERS = (("Hannah", "Whitfield", "Enterprise AE"), ("Jonas", "Becker", "Enterprise AE"),
         ("Amelia", "Grant", "SDR"), ("Rafael", "Ortiz", "Enterprise AE"), ("Claire", "Dubois", "Sales Manager"))
CAMPAIGNS = (  # name, type, utm_source, utm_medium of the leads it brings
    ("enterprise-webinar-data-contracts", "Webinar", "on24", "webinar"),
    ("cfo-roundtable", "Conference", "events", "event"),
    ("enterprise-nurture", "Email", "newsletter", "email"),
    ("Brand - US", "Advertisement", "google", "cpc"),
    ("partner-referrals", "Partners", "partnerhub", "referral"),
)
# channel -> (weight, LeadSource, campaign index or None, lead quality)
CHANNELS = {
    "webinar": (0.20, "Webinar", 0, 1.1), "event": (0.10, "Trade Show", 1, 1.2),
    "email": (0.15, "Email", 2, 0.9), "paid_search": (0.20, "Advertisement", 3, 1.0),
    "referral": (0.10, "Partner Referral", 4, 1.3), "organic": (0.10, "Web", None, 0.9),
    "outbound": (0.10, "Outbound", None, 0.8), "unknown": (0.05, None, None, 0.6),
}
COUNTRIES = (("US", "USD", 0.6), ("GB", "GBP", 0.25), ("DE", "EUR", 0.15))
FX_FROM_USD = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}
FIRST = ("Ava", "Noah", "Mia", "Liam", "Ella", "Finn", "Zoe", "Leon", "Ivy", "Omar", "Lena", "Theo", "Nora", "Kai")
LAST = ("Hughes", "Vogel", "Patel", "Nakamura", "Schulz", "Reid", "Morgan", "Keller", "Silva", "Doyle", "Fischer")
WORDS = ("Granite", "Harbor", "Summit", "Cobalt", "Meridian", "Northwind", "Atlas", "Beacon", "Crescent", "Vertex")
NOUNS = ("Logistics", "Health", "Capital", "Retail", "Energy", "Foods", "Systems", "Insurance", "Labs", "Media")
LEGAL = {"US": "Inc.", "GB": "plc", "DE": "AG"}
DOMAIN = {"US": ".com", "GB": ".co.uk", "DE": ".de"}
INDUSTRIES = ("Technology", "Retail", "Finance", "Healthcare", "Manufacturing", "Energy")
LEADS_PER_SCALE = 1400
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def salesforce_id(prefix: str, number: int) -> str:
    """An 18-character id: key prefix, pod, record number in base 62, and the case-checksum suffix."""
    digits = ""
    while number or not digits:
        number, rest = divmod(number, 62)
        digits = _BASE62[rest] + digits
    short = (prefix + "5g0" + digits.rjust(9, "0"))[:15]
    suffix = ""
    for chunk in (short[0:5], short[5:10], short[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if "A" <= ch <= "Z")
        suffix += _CHECKSUM[bits]
    return short + suffix


@dataclass
class SalesforceOrg:
    """Every record of the org, per object, in creation order (deleted ones flagged ``IsDeleted``)."""

    org_id: str
    default_currency: str
    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def records(self, object_name: str) -> list[dict[str, Any]]:
        return self.objects[object_name]

    def summary(self) -> dict[str, int]:
        leads, opps = self.objects["Lead"], self.objects["Opportunity"]
        return {
            "salesforce_leads": sum(not r["IsDeleted"] for r in leads),
            "salesforce_leads_deleted": sum(r["IsDeleted"] for r in leads),
            "salesforce_leads_converted": sum(r["IsConverted"] for r in leads),
            "salesforce_contacts": len(self.objects["Contact"]),
            "salesforce_opportunities": len(opps),
            "salesforce_opportunities_won": sum(r["IsWon"] for r in opps),
        }


class _Builder:
    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.counters: dict[str, int] = {}
        self.objects: dict[str, list[dict[str, Any]]] = {name: [] for name in OBJECTS}

    def stamp(self, moment: datetime) -> datetime:
        """Salesforce keeps milliseconds; never later than the snapshot."""
        return min(self.now, moment).replace(microsecond=self.rng.randint(0, 999) * 1000)

    def after(self, moment: datetime, min_days: float, max_days: float) -> datetime:
        return moment + timedelta(seconds=self.rng.uniform(min_days * 86400, max_days * 86400))

    def add(self, object_name: str, created: datetime, created_by: str | None, modified: datetime | None = None,
            **values: Any) -> dict[str, Any]:
        number = self.counters[object_name] = self.counters.get(object_name, 0) + 1
        created = self.stamp(created)
        modified = max(created, self.stamp(modified)) if modified else created
        record: dict[str, Any] = {name: None for name in FIELDS[object_name]}
        record.update(Id=salesforce_id(KEY_PREFIX[object_name], 4_000_000 + number * 37), IsDeleted=False,
                      CreatedDate=created, CreatedById=created_by, SystemModstamp=modified)
        if "LastModifiedDate" in record:
            record["LastModifiedDate"] = modified
        record.update(values)
        self.objects[object_name].append(record)
        return record


def build_salesforce_org(seed: int, scale: float, start: date, now: datetime) -> SalesforceOrg:
    """The org for the history from ``start`` to ``now``; same arguments, same org."""
    rng = random.Random(f"{seed}:salesforce")
    b = _Builder(rng, now)
    history_start = datetime.combine(start, time(9), UTC)
    span = (now - history_start).total_seconds() - 86400

    users = []
    for i, (first, last, title) in enumerate(USERS):
        created = b.after(history_start, -300, -30)
        user = b.add("User", created, None, b.after(created, 1, 100), Username=f"{first.lower()}@lumen.enterprise",
                     Email=f"{first.lower()}.{last.lower()}@lumenmetrics.com", FirstName=first, LastName=last,
                     Name=f"{first} {last}", IsActive=i != 3, Title=title)
        users.append(user)
    admin = users[4]["Id"]
    sellers = [u["Id"] for u in users[:4]]
    campaigns = []
    for name, kind, _, _ in CAMPAIGNS:
        created = b.after(history_start, -20, -1)
        campaigns.append(b.add("Campaign", created, admin, Name=name, Type=kind, Status="In Progress",
                               StartDate=created.date(), EndDate=None, IsActive=True, OwnerId=admin))

    accounts: dict[str, dict[str, Any]] = {}
    channel_names = list(CHANNELS)
    weights = [CHANNELS[c][0] for c in channel_names]
    leads = []
    for _ in range(max(20, round(LEADS_PER_SCALE * scale))):
        created = history_start + timedelta(seconds=rng.random() * span)
        channel = rng.choices(channel_names, weights)[0]
        _, lead_source, campaign_index, quality = CHANNELS[channel]
        country, currency, _ = rng.choices(COUNTRIES, [c[2] for c in COUNTRIES])[0]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        company = f"{rng.choice(WORDS)} {rng.choice(NOUNS)}"
        domain = company.lower().replace(" ", "") + DOMAIN[country]
        utm: dict[str, Any] = {"UTM_Source__c": None, "UTM_Medium__c": None, "UTM_Campaign__c": None}
        if campaign_index is not None:
            name, _, utm_source, utm_medium = CAMPAIGNS[campaign_index]
            utm = {"UTM_Source__c": utm_source, "UTM_Medium__c": utm_medium, "UTM_Campaign__c": name}
        owner = rng.choice(sellers)
        events = {"lead": created}
        if rng.random() < min(0.9, 0.45 * quality):
            events["mql"] = b.after(created, 0.1, 15)
            if rng.random() < 0.5:
                events["sql"] = b.after(events["mql"], 1, 20)
                if rng.random() < 0.65:
                    events["converted"] = b.after(events["sql"], 2, 30)
        events = {k: v for k, v in events.items() if v <= now}
        status = ("Closed - Converted" if "converted" in events else "Sales Qualified" if "sql" in events
                  else "Marketing Qualified" if "mql" in events else "Open - Not Contacted")
        if status == "Open - Not Contacted" and created < now - timedelta(days=60) and rng.random() < 0.5:
            status = "Closed - Not Converted"
        modified = b.after(max(events.values()), 0, 0.01)
        lead = b.add("Lead", created, owner, modified, FirstName=first, LastName=last, Name=f"{first} {last}",
                     Email=f"{first}.{last}{rng.randint(1, 999)}@{domain}".lower(),
                     Company=f"{company} {LEGAL[country]}",
                     Title=rng.choice(("VP Finance", "Head of Data", "CFO", "Analyst", "RevOps Lead")),
                     Country=country, Status=status, LeadSource=lead_source, Industry=rng.choice(INDUSTRIES),
                     OwnerId=owner, IsConverted=False, MQL_Date__c=events.get("mql"), SQL_Date__c=events.get("sql"),
                     **utm)
        for key in ("MQL_Date__c", "SQL_Date__c"):
            lead[key] = b.stamp(lead[key]) if lead[key] else None
        leads.append((lead, events, channel, campaign_index, country, currency, company, domain))

    for lead, events, channel, campaign_index, country, currency, company, domain in leads:
        owner = lead["OwnerId"]
        # Campaign responses: the first touch, and for some a later one.
        touches = [campaign_index] if campaign_index is not None else []
        if rng.random() < 0.3:
            touches.append(rng.randrange(len(CAMPAIGNS)))
        for n, index in enumerate(dict.fromkeys(touches)):
            responded = lead["CreatedDate"] if n == 0 else b.after(lead["CreatedDate"], 1, 60)
            if responded <= now:
                b.add("CampaignMember", responded, owner, CampaignId=campaigns[index]["Id"], LeadId=lead["Id"],
                      Status="Responded", HasResponded=True, FirstRespondedDate=b.stamp(responded).date())
        # Sales touches: calls and emails on most qualified leads, a few on the others.
        if "mql" in events or rng.random() < 0.1:
            touched = b.after(events.get("mql", lead["CreatedDate"]), 0.05, 6)
            if touched <= now:
                subtype = rng.choice(("Call", "Email"))
                b.add("Task", touched, owner, Subject=f"{subtype}: {lead['Name']}", TaskSubtype=subtype,
                      Status="Completed", WhoId=lead["Id"], OwnerId=owner, ActivityDate=touched.date(), IsClosed=True,
                      CompletedDateTime=b.stamp(touched))
        if "converted" not in events:
            continue
        converted = events["converted"]
        account = accounts.get(company)
        if account is None:
            account = accounts[company] = b.add(
                "Account", converted, owner, Name=f"{company} {LEGAL[country]}", Website=f"https://www.{domain}",
                Industry=lead["Industry"], BillingCountry=country, NumberOfEmployees=int(rng.lognormvariate(6, 1)) + 20,
                Type="Prospect", OwnerId=owner)
        contact = b.add("Contact", converted, owner, AccountId=account["Id"], FirstName=lead["FirstName"],
                        LastName=lead["LastName"], Name=lead["Name"], Email=lead["Email"], Title=lead["Title"],
                        LeadSource=lead["LeadSource"], OwnerId=owner, MailingCountry=country,
                        **{k: lead[k] for k in ("UTM_Source__c", "UTM_Medium__c", "UTM_Campaign__c")})
        close = b.after(converted, 15, 120)
        closed = close <= now
        won = closed and rng.random() < 0.4
        amount = round(rng.lognormvariate(10.6, 0.5) * FX_FROM_USD[currency] / 100) * 100.0
        path = list(OPEN_STAGES)
        if closed:
            path = path[: rng.randint(2, len(path))] + ["Closed Won" if won else "Closed Lost"]
        else:
            progress = (now - converted) / (close - converted)
            path = path[: 1 + int(progress * (len(path) - 1))]
        moments = sorted(b.after(converted, 0, (min(close, now) - converted).total_seconds() / 86400)
                         for _ in path[1:])
        moments = [converted, *moments[:-1], close] if closed else [converted, *moments]
        stage = path[-1]
        probability, forecast, is_closed, is_won = STAGES[stage]
        opportunity = b.add(
            "Opportunity", converted, owner, moments[-1], Name=f"{lead['Company']} - Enterprise",
            AccountId=account["Id"], Amount=amount, CurrencyIsoCode=currency, StageName=stage,
            Probability=probability, CloseDate=close.date(), IsClosed=is_closed, IsWon=is_won,
            ForecastCategory=forecast, Type="New Business", LeadSource=lead["LeadSource"],
            CampaignId=campaigns[campaign_index]["Id"] if campaign_index is not None else None, OwnerId=owner,
            LastStageChangeDate=b.stamp(moments[-1]))
        for step, moment in zip(path, moments):
            p, f, _, _ = STAGES[step]
            b.add("OpportunityHistory", moment, owner, OpportunityId=opportunity["Id"], StageName=step, Amount=amount,
                  CloseDate=close.date(), Probability=p, ForecastCategory=f, CurrencyIsoCode=currency)
        demo = b.after(converted, 1, 14)
        if demo <= now:
            b.add("Event", demo, owner, Subject=f"Demo: {lead['Company']}", EventSubtype="Event",
                  WhoId=contact["Id"], WhatId=opportunity["Id"], OwnerId=owner, ActivityDateTime=b.stamp(demo),
                  StartDateTime=b.stamp(demo), EndDateTime=b.stamp(demo + timedelta(minutes=45)), DurationInMinutes=45)
        if won:
            account["Type"] = "Customer"
            account["SystemModstamp"] = account["LastModifiedDate"] = max(account["SystemModstamp"], b.stamp(close))
        lead.update(IsConverted=True, ConvertedDate=converted.date(), ConvertedAccountId=account["Id"],
                    ConvertedContactId=contact["Id"], ConvertedOpportunityId=opportunity["Id"])
        for member in b.objects["CampaignMember"]:
            if member["LeadId"] == lead["Id"] and member["ContactId"] is None:
                member["ContactId"] = contact["Id"]

    # Contacts entered by sales without a lead (outbound): leads in their own right.
    for _ in range(max(2, round(40 * scale))):
        created = history_start + timedelta(seconds=rng.random() * span)
        company = next(iter(accounts.values())) if accounts and rng.random() < 0.5 else None
        first, last = rng.choice(FIRST), rng.choice(LAST)
        b.add("Contact", created, sellers[0], AccountId=company["Id"] if company else None, FirstName=first,
              LastName=last, Name=f"{first} {last}",
              Email=f"{first}.{last}.{rng.randint(1000, 9999)}@example.org".lower(),
              Title="Procurement", LeadSource="Outbound", OwnerId=rng.choice(sellers), MailingCountry="US")

    # Junk leads deleted lately: visible only through queryAll, flagged IsDeleted.
    for lead, events, *_ in leads:
        if lead["Status"] == "Closed - Not Converted" and lead["CreatedDate"] > now - timedelta(days=240) \
                and rng.random() < 0.15:
            lead["IsDeleted"] = True
            lead["SystemModstamp"] = lead["LastModifiedDate"] = b.stamp(b.after(now, -10, -0.6))
    for name in OBJECTS:
        b.objects[name].sort(key=lambda r: (r["CreatedDate"], r["Id"]))
    return SalesforceOrg(org_id=salesforce_id("00D", 7_000 + seed), default_currency="USD", objects=b.objects)
