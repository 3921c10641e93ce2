"""Microsoft Advertising (Bing Ads) v13 imitation: the REST reporting flow, the account
and campaign reads a connector needs, and the OAuth token endpoint.

Reports go Submit → Poll (``Pending`` for a few polls, then ``Success`` with a
pre-signed download URL back at this server, or a null URL when there is no data) →
a plain GET, with no auth headers, of a ZIP holding one CSV: UTF-8 BOM, every value
quoted, the report header block and the copyright footer unless excluded, a ``Total``
row, thousands separators (``"1,234"``), ``%`` on ratios and ``--`` for "not
available". The URL expires after ``url_ttl`` seconds. Every call needs
``Authorization``, ``DeveloperToken``, ``CustomerId`` and ``CustomerAccountId``;
faults come as ``AdApiFaultDetail`` / ``ApiFaultDetail`` bodies (117 CallRateExceeded,
109 AuthenticationTokenExpired, 0 InternalError, 2xxx reporting errors); the REST
transport's HTTP statuses for them are a guess ("verify"), so clients should read the
codes. Refresh tokens rotate on every use; the old one keeps working until it expires,
as with the Microsoft identity platform.

The sandbox keeps stats per account-local day, so it serves reports only in the
account's own ``ReportTimeZone`` (the default when none is given) and rejects others.
"""

from __future__ import annotations

import csv
import io
import secrets
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from .ad_platform import AdPlatformServer
from .company import Company, PlatformAccount, PlatformCampaign, PlatformDailyStat
from .http import Reply, Request, route

UTC = timezone.utc
TOKEN_TTL = 3600
RETENTION_DAYS = 36 * 30
# IANA zone -> (ReportTimeZone / Account.TimeZone value, the label the CSV header prints)
TIME_ZONES = {
    "America/Los_Angeles": ("PacificTimeUSCanadaTijuana", "(GMT-08:00) Pacific Time (US & Canada); Tijuana"),
    "America/New_York": ("EasternTimeUSCanada", "(GMT-05:00) Eastern Time (US & Canada)"),
    "Europe/London": ("GreenwichMeanTimeDublinEdinburghLisbonLondon",
                      "(GMT) Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London"),
    "Europe/Berlin": ("AmsterdamBerlinBernRomeStockholmVienna",
                      "(GMT+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"),
}
COLUMNS = ("TimePeriod", "AccountId", "AccountName", "AccountNumber", "CampaignId", "CampaignName", "CampaignStatus",
           "Impressions", "Clicks", "Spend", "Conversions", "Revenue", "CurrencyCode", "Ctr", "AverageCpc",
           "ConversionRate", "AllConversions")
AGGREGATIONS = ("Daily", "Weekly", "Monthly", "Summary")
FAULTS = {  # code -> (ErrorCode, Message, HTTP status)
    0: ("InternalError", "An internal error has occurred.", 500),
    105: ("InvalidCredentials", "Authentication failed. Either supplied credentials are invalid or the account is "
                                "inactive.", 401),
    106: ("UserIsNotAuthorized", "The user does not represent a authorized developer.", 403),
    109: ("AuthenticationTokenExpired", "Authentication token expired. Please renew it or obtain a new token.", 401),
    117: ("CallRateExceeded", "You have exceeded the number of calls that you can make in a minute. Please reduce the "
                              "number of calls that you make per minute.", 400),
    1102: ("InvalidAccountId", "The account ID is invalid.", 400),
    2004: ("ReportingServiceNullReportRequest", "The report request is null.", 400),
    2006: ("ReportingServiceInvalidReportId", "The report request identifier is invalid.", 400),
    2009: ("ReportingServiceInvalidTimePeriodColumnForSummaryReport",
           "The TimePeriod column cannot be used for Summary aggregation.", 400),
    2010: ("ReportingServiceInvalidReportAggregation", "The report aggregation is invalid.", 400),
    2011: ("ReportingServiceInvalidReportFormat", "The report format is invalid.", 400),
    2015: ("ReportingServiceInvalidCustomDateRangeStart", "The custom date range start date is invalid.", 400),
    2016: ("ReportingServiceInvalidCustomDateRangeEnd", "The custom date range end date is invalid.", 400),
    2017: ("ReportingServiceEndDateBeforeStartDate", "The end date is before the start date.", 400),
    2021: ("ReportingServiceInvalidReportColumns", "The report columns are invalid or missing.", 400),
    2028: ("ReportingServiceRequiredColumnsNotSelected", "The report requires the TimePeriod column for this "
                                                         "aggregation.", 400),
    2034: ("ReportingServiceInvalidReportType", "The report type is invalid.", 400),
    2100: ("ReportingServiceInvalidTimeZone", "The report time zone is invalid.", 400),
}
STATUS_FAULTS = {400: 2004, 401: 109, 403: 106, 429: 117, 500: 0, 502: 0, 503: 0, 504: 0}


class MsFault(Exception):
    def __init__(self, code: int, message: str | None = None, *, operation: bool = False) -> None:
        super().__init__(message or FAULTS[code][1])
        self.code, self.operation = code, operation


def _thousands(value: int | Decimal, places: int = 0) -> str:
    return f"{value:,.{places}f}"


@dataclass
class _Report:
    id: str
    account: PlatformAccount
    request: dict[str, Any]
    since: date
    until: date
    polls: int = 0
    fate: str = "success"  # success | error
    archive: bytes | None = None
    empty: bool = False
    signature: str = ""
    expires: float = 0.0


class MicrosoftAdsServer(AdPlatformServer):
    """Reporting, Customer Management and Campaign Management v13 (REST) for one customer."""

    name = "microsoft_ads"
    platform = "microsoft_ads"
    archived_status = "Deleted"

    def __init__(self, company: Company, *, client_id: str, refresh_token: str, developer_token: str,
                 host: str = "127.0.0.1", port: int = 0, pending_polls: int = 2, url_ttl: float = 300.0) -> None:
        super().__init__(company, company.microsoft_ads, host, port)
        self.client_id, self.developer_token = client_id, developer_token
        self.pending_polls = pending_polls  # polls that answer Pending before Success
        self.url_ttl = url_ttl  # seconds a download URL stays valid
        self._refresh_tokens: set[str] = {refresh_token}
        self._tokens: dict[str, float] = {}
        self._reports: dict[str, _Report] = {}
        self._fates: list[str] = []
        self._state = threading.Lock()

    # ------------------------------------------------------------------------------ faults
    def _fault(self, fault: MsFault) -> Reply:
        error_code, _, status = FAULTS.get(fault.code, ("UnknownError", "", 400))
        item = {"Code": fault.code, "Detail": None, "ErrorCode": error_code, "Message": str(fault)}
        if fault.operation:
            body = {"TrackingId": str(uuid.uuid4()), "Type": "ApiFaultDetail", "BatchErrors": [],
                    "OperationErrors": [item | {"Type": "OperationError"}]}
        else:
            body = {"TrackingId": str(uuid.uuid4()), "Type": "AdApiFaultDetail", "Errors": [item | {"Type": "AdApiError"}]}
        return Reply(status, body)

    def error_body(self, status: int, req: Request, message: str | None = None) -> Any:
        if req.path.endswith("/oauth2/v2.0/token"):
            return {"error": "invalid_request", "error_description": message or f"HTTP {status}"}
        code = STATUS_FAULTS.get(status)
        if code is None:
            return self._fault(MsFault(2004, message or f"HTTP {status}", operation=True)).body
        return self._fault(MsFault(code, message, operation=code >= 1000)).body

    def finish(self, req: Request, reply: Reply) -> Reply:
        reply.headers.setdefault("TrackingId", str(uuid.uuid4()))
        return reply

    def fail_next_reports(self, count: int = 1) -> None:
        """The next ``count`` submitted reports end with Poll status ``Error``."""
        with self._state:
            self._fates.extend(["error"] * count)

    # ------------------------------------------------------------------------------- OAuth
    @route("POST", r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token")
    def token(self, req: Request) -> Reply:
        form = req.form()
        error = None
        if form.get("grant_type") != "refresh_token":
            error = ("unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.", 70003)
        elif form.get("client_id") != self.client_id:
            error = ("unauthorized_client", f"AADSTS700016: Application with identifier '{form.get('client_id')}' "
                                            "was not found in the directory.", 700016)
        elif form.get("refresh_token") not in self._refresh_tokens:
            error = ("invalid_grant", "AADSTS70000: Provided grant is invalid or malformed.", 70000)
        if error:
            return Reply(400, {"error": error[0], "error_description": error[1], "error_codes": [error[2]],
                               "timestamp": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ"),
                               "trace_id": str(uuid.uuid4()), "correlation_id": str(uuid.uuid4())})
        access, rotated = "EwB" + secrets.token_urlsafe(96), "M.C5" + secrets.token_urlsafe(64)
        with self._state:
            self._tokens[access] = time.monotonic() + TOKEN_TTL
            self._refresh_tokens.add(rotated)  # the old one stays valid until it expires
        return Reply(200, {"token_type": "Bearer", "scope": "https://ads.microsoft.com/msads.manage",
                           "expires_in": TOKEN_TTL, "ext_expires_in": TOKEN_TTL, "access_token": access,
                           "refresh_token": rotated})

    def expire_access_tokens(self) -> None:
        with self._state:
            self._tokens = dict.fromkeys(self._tokens, 0.0)

    def revoke_refresh_tokens(self) -> None:
        with self._state:
            self._refresh_tokens.clear()

    def _guard(self, req: Request, *, needs_account: bool = True) -> PlatformAccount | None:
        token = req.bearer()
        with self._state:
            expiry = self._tokens.get(token or "")
        if expiry is None:
            raise MsFault(105)
        if expiry <= time.monotonic():
            raise MsFault(109)
        if req.headers.get("developertoken") != self.developer_token:
            raise MsFault(105, "Authentication failed. The developer token is missing or invalid.")
        account = self.data.accounts[0]
        customer_id = req.headers.get("customerid")
        account_id = req.headers.get("customeraccountid")
        if needs_account and (customer_id != account.customer_id or account_id is None):
            raise MsFault(106)
        if account_id is not None:
            found = self.data.account(account_id)
            if found is None:
                raise MsFault(106)
            return found
        return None

    def _json_call(self, req: Request, handler: Any, *, needs_account: bool = True) -> Reply:
        try:
            account = self._guard(req, needs_account=needs_account)
            body = req.json()
            if not isinstance(body, dict):
                raise MsFault(2004, operation=True)
            return handler(body, account)
        except MsFault as exc:
            return self._fault(exc)

    # ------------------------------------------------------------------ account, campaigns
    @route("POST", r"/CustomerManagement/v13/Account/Query")
    def get_account(self, req: Request) -> Reply:
        def answer(body: dict[str, Any], _: PlatformAccount | None) -> Reply:
            account = self.data.account(str(body.get("AccountId") or ""))
            if account is None:
                raise MsFault(1102, operation=True)
            return Reply(200, {"Account": {
                "BillToCustomerId": int(account.customer_id or 0), "CurrencyCode": account.currency_code,
                "AccountFinancialStatus": "ClearFinancialStatus", "Id": int(account.id), "Language": "English",
                "LastModifiedByUserId": 0, "LastModifiedTime": "2026-01-01T00:00:00", "Name": account.name,
                "Number": f"F{account.id[-7:]}", "ParentCustomerId": int(account.customer_id or 0),
                "PaymentMethodId": None, "PaymentMethodType": None, "PrimaryUserId": None,
                "AccountLifeCycleStatus": "Active", "TimeStamp": None,
                "TimeZone": TIME_ZONES.get(account.time_zone, (account.time_zone,))[0], "PauseReason": None,
                "ForwardCompatibilityMap": None, "LinkedAgencies": None, "SalesHouseCustomerId": None,
                "TaxInformation": None, "BackUpPaymentInstrumentId": None, "BillingThresholdAmount": None,
                "BusinessAddress": None, "AutoTagType": "Inactive", "SoldToPaymentInstrumentId": None,
                "TaxCertificate": None, "AccountMode": "Expert",
            }})

        return self._json_call(req, answer, needs_account=False)

    @route("POST", r"/CampaignManagement/v13/Campaigns/QueryByAccountId")
    def get_campaigns(self, req: Request) -> Reply:
        def answer(body: dict[str, Any], header_account: PlatformAccount | None) -> Reply:
            account = self.data.account(str(body.get("AccountId") or ""))
            if account is None or header_account is None or account.id != header_account.id:
                raise MsFault(1102, operation=True)
            if not body.get("CampaignType"):
                raise MsFault(2004, "CampaignType is required.", operation=True)
            zone = TIME_ZONES.get(account.time_zone, (account.time_zone,))[0]
            campaigns = [self._campaign_record(c, zone) for c in self.campaigns(account.id) if c.status != "Deleted"]
            return Reply(200, {"Campaigns": campaigns, "PartialErrors": None})

        return self._json_call(req, answer)

    def _campaign_record(self, campaign: PlatformCampaign, zone: str) -> dict[str, Any]:
        record = {
            "AudienceAdsBidAdjustment": None, "BiddingScheme": {"Type": "EnhancedCpc"},
            "BudgetType": "DailyBudgetStandard", "DailyBudget": 40.0 if campaign.produces_leads else 20.0,
            "ExperimentId": None, "FinalUrlSuffix": None, "ForwardCompatibilityMap": None, "Id": int(campaign.id),
            "MultimediaAdsBidAdjustment": None, "Name": campaign.name, "Status": campaign.status,
            "SubType": None, "TimeZone": zone,
            "TrackingUrlTemplate": "{lpurl}?utm_source=bing&utm_medium=cpc&utm_campaign={Campaign}",
            "UrlCustomParameters": None, "CampaignType": campaign.objective, "Settings": None, "BudgetId": None,
            "Languages": ["All"], "AdScheduleUseSearcherTimeZone": False,
        }
        return record | self.extras("campaigns", campaign)

    # --------------------------------------------------------------------------- reporting
    @route("POST", r"/Reporting/v13/GenerateReport/Submit")
    def submit(self, req: Request) -> Reply:
        def answer(body: dict[str, Any], header_account: PlatformAccount | None) -> Reply:
            request = body.get("ReportRequest")
            if not isinstance(request, dict):
                raise MsFault(2004, operation=True)
            account, since, until = self._validate(request, header_account)
            report_id = f"3000000{secrets.randbelow(10**8):08d}_{secrets.token_hex(16)}"
            with self._state:
                fate = self._fates.pop(0) if self._fates else "success"
                self._reports[report_id] = _Report(report_id, account, request, since, until, fate=fate)
            return Reply(200, {"ReportRequestId": report_id})

        return self._json_call(req, answer)

    def _validate(self, request: dict[str, Any], header_account: PlatformAccount | None
                  ) -> tuple[PlatformAccount, date, date]:
        if request.get("Type") != "CampaignPerformanceReportRequest":
            raise MsFault(2034, operation=True)
        if request.get("Format", "Csv") != "Csv":
            raise MsFault(2011, operation=True)
        aggregation = request.get("Aggregation")
        if aggregation not in AGGREGATIONS:
            raise MsFault(2010, operation=True)
        columns = request.get("Columns")
        if not isinstance(columns, list) or not columns or any(c not in COLUMNS for c in columns):
            raise MsFault(2021, operation=True)
        if aggregation == "Summary" and "TimePeriod" in columns:
            raise MsFault(2009, operation=True)
        if aggregation != "Summary" and "TimePeriod" not in columns:
            raise MsFault(2028, operation=True)
        ids = [str(i) for i in (request.get("Scope") or {}).get("AccountIds") or []]
        if len(ids) != 1 or header_account is None or ids[0] != header_account.id:
            raise MsFault(1102, "Scope.AccountIds must name the account of the CustomerAccountId header.",
                          operation=True)
        account = header_account
        window = request.get("Time") or {}
        zone = TIME_ZONES.get(account.time_zone, (account.time_zone,))[0]
        if window.get("ReportTimeZone", zone) != zone:
            raise MsFault(2100, f"This sandbox reports account-local days only: use ReportTimeZone {zone}.",
                          operation=True)

        def day(name: str, code: int) -> date:
            value = window.get(name)
            try:
                return date(int(value["Year"]), int(value["Month"]), int(value["Day"]))
            except (TypeError, KeyError, ValueError) as exc:
                raise MsFault(code, operation=True) from exc

        since, until = day("CustomDateRangeStart", 2015), day("CustomDateRangeEnd", 2016)
        today = self.company.now.astimezone(ZoneInfo(account.time_zone)).date()
        if since < today - timedelta(days=RETENTION_DAYS):
            raise MsFault(2015, "Daily data is kept for 36 months: the start date is too early.", operation=True)
        if until < since:
            raise MsFault(2017, operation=True)
        return account, since, until

    @route("POST", r"/Reporting/v13/GenerateReport/Poll")
    def poll(self, req: Request) -> Reply:
        def answer(body: dict[str, Any], _: PlatformAccount | None) -> Reply:
            with self._state:
                report = self._reports.get(str(body.get("ReportRequestId") or ""))
            if report is None:
                raise MsFault(2006, operation=True)
            report.polls += 1
            if report.polls <= self.pending_polls:
                return Reply(200, {"ReportRequestStatus": {"ReportDownloadUrl": None, "Status": "Pending"}})
            if report.fate == "error":
                return Reply(200, {"ReportRequestStatus": {"ReportDownloadUrl": None, "Status": "Error"}})
            if report.archive is None and not report.empty:
                self._build(report)
            url = None
            if not report.empty:
                # Every Success poll hands out a fresh URL, valid for url_ttl seconds.
                report.signature, report.expires = secrets.token_urlsafe(32), time.monotonic() + self.url_ttl
                expiry = (datetime.now(UTC) + timedelta(seconds=self.url_ttl)).strftime("%Y-%m-%dT%H:%M:%SZ")
                query = urlencode({"sv": "2025-01-05", "se": expiry, "sr": "b", "sp": "r", "sig": report.signature})
                url = f"{self.base_url}/ReportDownload/{report.id}.zip?{query}"
            return Reply(200, {"ReportRequestStatus": {"ReportDownloadUrl": url, "Status": "Success"}})

        return self._json_call(req, answer)

    @route("GET", r"/ReportDownload/(?P<report>[^/]+)\.zip")
    def download(self, req: Request) -> Reply:
        """The pre-signed blob: no auth headers wanted (a bearer token here is rejected)."""
        if "authorization" in req.headers:
            return self._blob_error(400, "InvalidAuthenticationInfo",
                                    "Authentication information is not given in the correct format.")
        with self._state:
            report = self._reports.get(req.params["report"])
        if report is None or report.archive is None or req.arg("sig") != report.signature:
            return self._blob_error(403, "AuthenticationFailed", "Server failed to authenticate the request. Make "
                                    "sure the value of Authorization header is formed correctly including the signature.")
        if time.monotonic() > report.expires:
            return self._blob_error(403, "AuthenticationFailed", "Signed expiry time has passed.")
        return Reply(200, report.archive, {"Content-Type": "application/zip",
                                           "x-ms-blob-type": "BlockBlob", "x-ms-version": "2025-01-05"})

    @staticmethod
    def _blob_error(status: int, code: str, message: str) -> Reply:
        body = (f'\ufeff<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}\n'
                f'RequestId:{uuid.uuid4()}\nTime:{datetime.now(UTC).isoformat()}</Message></Error>')
        return Reply(status, body, {"Content-Type": "application/xml", "x-ms-error-code": code})

    def _build(self, report: _Report) -> None:
        """Render the CSV as Microsoft does and zip it (snapshot taken when the report succeeds)."""
        request, account = report.request, report.account
        columns: list[str] = request["Columns"]
        stats = self.stats(account.id, report.since, report.until)
        if not stats:
            report.empty = True
            return
        rows = [self._row(stat, account, columns) for stat in stats]
        zone = ZoneInfo(account.time_zone)
        today = self.company.now.astimezone(zone).date()
        label = TIME_ZONES.get(account.time_zone, ("", account.time_zone))[1]
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        out.write("\ufeff")
        if not request.get("ExcludeReportHeader", False):
            last_day = today - timedelta(days=1)
            for line in (f"Report Name: {request.get('ReportName') or ''}",
                         f"Report Time: {report.since:%-m/%-d/%Y}, {report.until:%-m/%-d/%Y}",
                         f"Time Zone: {label}",
                         f"Last Completed Available Day: {last_day:%-m/%-d/%Y} 11:59:59 PM {label}",
                         f"Report Aggregation: {request['Aggregation']}", "Report Filter: ",
                         f"Potential Incomplete Data: {'true' if report.until >= last_day else 'false'}",
                         f"Rows: {len(rows)}"):
                writer.writerow([line])
            out.write("\r\n")
        if not request.get("ExcludeColumnHeaders", False):
            writer.writerow(columns + list(self.extra_fields["stats"]))
        writer.writerows(rows)
        if not request.get("ExcludeReportFooter", False):
            writer.writerow(self._total(stats, columns))
            out.write("\r\n")
            writer.writerow([f"\u00a9{today.year} Microsoft Corporation. All rights reserved. "])
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{report.id}.csv", out.getvalue().encode("utf-8"))
        report.archive = buffer.getvalue()

    def _row(self, stat: PlatformDailyStat, account: PlatformAccount, columns: list[str]) -> list[str]:
        campaign = self.data.campaign(stat.campaign_id)
        assert campaign is not None
        values = self._measures(stat.impressions, stat.clicks, stat.spend, stat.conversions, stat.conversion_value)
        values.update({
            "TimePeriod": stat.date.isoformat(), "AccountId": account.id, "AccountName": account.name,
            "AccountNumber": f"F{account.id[-7:]}", "CampaignId": campaign.id, "CampaignName": campaign.name,
            "CampaignStatus": campaign.status, "CurrencyCode": account.currency_code,
        })
        extras = self.extras("stats", stat)
        return [str(values[c]) for c in columns] + [str(v) for v in extras.values()]

    def _total(self, stats: list[PlatformDailyStat], columns: list[str]) -> list[str]:
        values = self._measures(sum(s.impressions for s in stats), sum(s.clicks for s in stats),
                                sum((s.spend for s in stats), Decimal(0)), sum(s.conversions for s in stats),
                                sum((s.conversion_value for s in stats), Decimal(0)))
        extra = ["--"] * len(self.extra_fields["stats"])
        return ["Total" if i == 0 else str(values.get(c, "--")) for i, c in enumerate(columns)] + extra

    @staticmethod
    def _measures(impressions: int, clicks: int, spend: Decimal, conversions: float,
                  revenue: Decimal) -> dict[str, str]:
        return {
            "Impressions": _thousands(impressions), "Clicks": _thousands(clicks), "Spend": _thousands(spend, 2),
            "Conversions": _thousands(Decimal(str(conversions)), 2),
            "AllConversions": _thousands(Decimal(str(conversions)), 2),
            "Revenue": _thousands(revenue, 2) if conversions else "--",
            "Ctr": f"{100 * clicks / impressions:.2f}%" if impressions else "--",
            "AverageCpc": _thousands(spend / clicks, 2) if clicks else "--",
            "ConversionRate": f"{100 * conversions / clicks:.2f}%" if clicks else "--",
        }
