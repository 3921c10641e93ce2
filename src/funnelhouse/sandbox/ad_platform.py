"""What the Meta, LinkedIn and Microsoft Advertising imitations share: one platform's
data and the mutations tests apply between runs (restate a day, archive or rename a
campaign, start sending a new field). Each vendor module adds its own wire format.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from .company import AdPlatformData, Company, PlatformCampaign, PlatformDailyStat
from .http import SandboxServer

Extra = Callable[[Any], Any]


class AdPlatformServer(SandboxServer):
    """Base of the ad-platform imitations; ``data`` is the platform's part of the company."""

    platform = ""
    archived_status = "ARCHIVED"

    def __init__(self, company: Company, data: AdPlatformData, host: str = "127.0.0.1", port: int = 0) -> None:
        super().__init__(host, port)
        self.company, self.data = company, data
        # Fields the platform started sending: where ("stats" | "campaigns") -> name -> value(record)
        self.extra_fields: dict[str, dict[str, Extra]] = {"stats": {}, "campaigns": {}}
        self._data_lock = threading.RLock()

    # ------------------------------------------------------------------------------ reads
    def stats(self, account_id: str, since: date, until: date,
              campaign_ids: set[str] | None = None) -> list[PlatformDailyStat]:
        """The account's rows in ``[since, until]``, by day then campaign."""
        with self._data_lock:
            rows = [s for s in self.data.stats if s.account_id == account_id and since <= s.date <= until
                    and (campaign_ids is None or s.campaign_id in campaign_ids)]
        return sorted(rows, key=lambda s: (s.date, s.campaign_id))

    def campaigns(self, account_id: str) -> list[PlatformCampaign]:
        with self._data_lock:
            return [c for c in self.data.campaigns if c.account_id == account_id]

    def extras(self, where: str, record: Any) -> dict[str, Any]:
        return {name: value(record) for name, value in self.extra_fields[where].items()}

    # -------------------------------------------------------------------------- mutations
    def restate(self, day: date, campaign_id: str | None = None, *, extra_conversions: float = 1.0,
                spend_delta: Decimal = Decimal("0")) -> list[PlatformDailyStat]:
        """Late conversions (and cost corrections) change an old day's numbers, as the platforms do."""
        changed = []
        with self._data_lock:
            for stat in self.data.stats:
                if stat.date != day or (campaign_id and stat.campaign_id != campaign_id):
                    continue
                stat.conversions = round(stat.conversions + extra_conversions, 2)
                stat.conversion_value = stat.conversion_value + Decimal(str(round(extra_conversions * 120, 2)))
                stat.spend = max(Decimal("0"), stat.spend + spend_delta)
                changed.append(stat)
        return changed

    def add_stat(self, stat: PlatformDailyStat) -> None:
        """A new day's row (or a late one) appears."""
        with self._data_lock:
            self.data.stats.append(stat)

    def archive_campaign(self, campaign_id: str) -> PlatformCampaign:
        """The campaign is archived (deleted, on Microsoft); its past stats stay reportable."""
        with self._data_lock:
            campaign = self._campaign(campaign_id)
            campaign.status = self.archived_status
            if campaign.end_date is None:
                campaign.end_date = self.company.today - timedelta(days=1)
            return campaign

    def rename_campaign(self, campaign_id: str, new_name: str) -> PlatformCampaign:
        with self._data_lock:
            campaign = self._campaign(campaign_id)
            campaign.former_names.append((campaign.name, self.company.today))
            campaign.name = new_name
            return campaign

    def add_field(self, name: str, value: Extra | Any, where: str = "stats") -> None:
        """From now on every ``where`` record ("stats" or "campaigns") carries field ``name``."""
        self.extra_fields[where][name] = value if callable(value) else (lambda _record, v=value: v)

    def _campaign(self, campaign_id: str) -> PlatformCampaign:
        campaign = self.data.campaign(campaign_id)
        if campaign is None:
            raise KeyError(f"{self.platform} has no campaign {campaign_id}")
        return campaign
