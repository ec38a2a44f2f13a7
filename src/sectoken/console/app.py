"""The console's pages (Flask, server-rendered Jinja2 templates, SVG charts).

``create_app(data, settings)`` builds the application on any ``ConsoleData``; the import pages
need an ``Importer`` (``settings.importer``), and applying needs the signing account it holds:
without one the console is read-only (plans are shown, nothing is sent).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from sectoken.console.charts import bar_chart
from sectoken.console.data import AuditQuery, ConsoleData, Investor
from sectoken.console.imports import MAX_UPLOAD_BYTES, Importer
from sectoken.console.security import (
    ACCESS_COOKIE,
    ACCESS_HEADER,
    CSRF_FIELD,
    cookie_value,
    new_csrf_token,
    token_matches,
)
from sectoken.errors import SectokenError
from sectoken.model.amounts import format_units
from sectoken.model.countries import alpha2_of, format_country, parse_country
from sectoken.model.dates import format_timestamp
from sectoken.model.records import RecordError, unpack

__all__ = ["ConsoleSettings", "create_app"]

TEMPLATES = Path(__file__).parent / "templates"
DAY = 86_400
INVESTOR_CLASSES = ("qualified purchaser", "accredited", "retail")


@dataclass(slots=True)
class ConsoleSettings:
    """How the console runs: its access token (None: loopback only), its importer, who signs."""

    access_token: str | None = None
    importer: Importer | None = None
    account_label: str | None = None
    source_label: str = "read from the chain"

    @property
    def writable(self) -> bool:
        return self.importer is not None and self.importer.account is not None


def create_app(data: ConsoleData, settings: ConsoleSettings | None = None) -> Flask:
    """The console application over ``data``."""
    config = settings or ConsoleSettings()
    app = Flask(__name__, template_folder=str(TEMPLATES))
    app.secret_key = secrets.token_bytes(32)  # sessions (CSRF) live as long as the process
    app.config.update(
        MAX_CONTENT_LENGTH=MAX_UPLOAD_BYTES,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
    )
    app.jinja_env.filters.update(
        date=_date,
        country=_country,
        short=_short,
        percent=_percent,
        record=_record_text,
    )
    _install_guards(app, config)

    @app.context_processor
    def common() -> dict[str, Any]:
        return {
            "writable": config.writable,
            "account_label": config.account_label,
            "source_label": config.source_label,
            "csrf_field": CSRF_FIELD,
            "csrf_token": _csrf_token(),
        }

    @app.errorhandler(SectokenError)
    def user_error(exc: SectokenError) -> ResponseReturnValue:
        return render_template("error.html", message=exc.message, hint=exc.hint), 400

    @app.get("/")
    def dashboard() -> ResponseReturnValue:
        overview = data.overview()
        table = data.cap_table()
        investors = {i.wallet: i for i in data.investors()}
        by_country = Counter(
            alpha2_of(h.country) or str(h.country) if h.country else "no record"
            for h in table.holders
        )
        by_class = Counter(
            investors[h.wallet].investor_class if h.wallet in investors else "no record"
            for h in table.holders
        )
        registered = Counter(i.investor_class for i in investors.values())
        charts = [
            bar_chart(
                "Holders per country",
                [(c, float(n), str(n)) for c, n in by_country.most_common(12)],
            ),
            bar_chart(
                "Holders per investor class",
                [(c, float(n), str(n)) for c, n in by_class.most_common()],
                color="#7a9e3a",
            ),
            bar_chart(
                "Largest holders (% of supply)",
                [
                    (_short(h.wallet), float(h.share * 100), _percent(h.share))
                    for h in table.holders[:8]
                ],
                color="#a5673a",
            ),
        ]
        return render_template(
            "dashboard.html",
            overview=overview,
            table=table,
            supply=format_units(overview.total_supply, overview.decimals),
            registered=len(investors),
            registered_by_class=registered,
            frozen=sum(1 for i in investors.values() if i.record.frozen),
            charts=[Markup(c) for c in charts],
        )

    @app.get("/registry")
    def registry() -> ResponseReturnValue:
        overview = data.overview()
        investors = data.investors()
        args = request.args
        query = args.get("q", "").strip().lower()
        country_text = args.get("country", "").strip()
        wanted_class = args.get("class", "").strip()
        frozen_only = args.get("frozen", "") == "1"
        expiring_text = args.get("expiring", "").strip()
        country = parse_country(country_text) if country_text else None
        expiring = _positive_int(expiring_text, "days") if expiring_text else None
        now = overview.chain_time
        shown = [
            i
            for i in investors
            if (not query or query in i.wallet.lower())
            and (country is None or i.record.country == country)
            and (not wanted_class or i.investor_class == wanted_class)
            and (not frozen_only or i.record.frozen)
            and (expiring is None or now <= i.record.kyc_expiry <= now + expiring * DAY)
        ]
        expired = sum(1 for i in investors if i.record.kyc_expiry <= now)
        return render_template(
            "registry.html",
            investors=shown,
            total=len(investors),
            expired=expired,
            now=now,
            classes=INVESTOR_CLASSES,
            args=args,
        )

    @app.route("/import", methods=["GET", "POST"])
    def import_upload() -> ResponseReturnValue:
        importer = _importer(config)
        if request.method == "GET":
            return render_template("import.html", upload=None)
        upload = request.files.get("csv")
        if upload is None or not upload.filename:
            raise SectokenError("choose a CSV file to upload")
        batch_size = _positive_int(request.form.get("batch_size", "100"), "batch size")
        started = importer.upload(
            upload.filename,
            upload.read(),
            batch_size=batch_size,
            prune=request.form.get("prune") == "1",
            allow_unchecksummed=request.form.get("allow_unchecksummed") == "1",
        )
        return redirect(url_for("import_status", session_id=started.id), code=303)

    @app.get("/import/<session_id>")
    def import_status(session_id: str) -> ResponseReturnValue:
        upload = _importer(config).get(session_id)
        if upload is None:
            abort(404)
        return render_template(
            "import.html", upload=upload, registry=_importer(config).registry_address
        )

    @app.post("/import/<session_id>/apply")
    def import_apply(session_id: str) -> ResponseReturnValue:
        if not config.writable:
            return render_template(
                "error.html",
                message="the console is read-only: no signing account is configured",
                hint="start it with --account ALIAS to apply imports",
            ), 403
        importer = _importer(config)
        upload = importer.get(session_id)
        if upload is None:
            abort(404)
        if request.form.get("confirm") != "1":
            raise SectokenError(
                "not applied: tick the box confirming the transactions listed in the plan"
            )
        destructive = request.form.get("confirm_destructive") == "1"
        if upload.destructive and not destructive:
            raise SectokenError(
                f"not applied: the plan has {len(upload.destructive)} destructive change(s); "
                "tick the box confirming them too"
            )
        importer.apply(upload, confirm_destructive=destructive)
        return redirect(url_for("import_status", session_id=upload.id), code=303)

    @app.get("/transfer-check")
    def transfer_check() -> ResponseReturnValue:
        args = request.args
        answer = None
        if args.get("sender") or args.get("receiver") or args.get("amount"):
            answer = data.check_transfer(
                args.get("sender", ""), args.get("receiver", ""), args.get("amount", "")
            )
        return render_template("transfer.html", answer=answer, args=args)

    @app.get("/captable")
    def captable() -> ResponseReturnValue:
        record_date = _record_date_arg()
        table = data.cap_table(record_date)
        countries = table.by_country()
        charts = [
            bar_chart(
                "Largest holders (% of supply)",
                [
                    (_short(h.wallet), float(h.share * 100), _percent(h.share))
                    for h in table.holders[:10]
                ],
            ),
            bar_chart(
                "Ownership by country (% of supply)",
                [(_country(c), float(s * 100), _percent(s)) for c, _n, _b, s in countries[:10]],
                color="#7a9e3a",
            ),
        ]
        return render_template(
            "captable.html",
            table=table,
            supply=format_units(table.total_supply, table.decimals),
            record_dates=data.record_dates(),
            record_date=record_date,
            countries=countries,
            units=lambda v: format_units(v, table.decimals),
            charts=[Markup(c) for c in charts],
        )

    @app.get("/captable.csv")
    def captable_csv() -> ResponseReturnValue:
        record_date = _record_date_arg()
        table = data.cap_table(record_date)
        rows = (
            [
                h.wallet,
                format_units(h.balance, table.decimals).replace(",", ""),
                f"{h.share * 100:.6f}",
                format_country(h.country) if h.country else "",
            ]
            for h in table.holders
        )
        name = f"captable-{table.symbol}-" + (
            f"record-date-{record_date}" if record_date else f"block-{table.block}"
        )
        return _csv_response(f"{name}.csv", ["wallet", "balance", "share_percent", "country"], rows)

    @app.get("/corporate")
    def corporate() -> ResponseReturnValue:
        overview = data.overview()
        return render_template(
            "corporate.html",
            distributions=data.distributions(),
            ballots=data.ballots(),
            now=overview.chain_time,
            units=format_units,
        )

    @app.get("/audit")
    def audit() -> ResponseReturnValue:
        query = _audit_query()
        entries = data.audit(query)
        return render_template(
            "audit.html",
            entries=entries,
            query=query,
            names=data.audit_event_names(),
            contracts=sorted(data.overview().contracts),
            args=request.args,
        )

    @app.get("/audit.csv")
    def audit_csv() -> ResponseReturnValue:
        entries = data.audit(_audit_query())
        rows = (
            [
                str(e.block),
                datetime.fromtimestamp(e.timestamp, UTC).isoformat(),
                e.tx_hash,
                str(e.log_index),
                e.contract,
                e.event,
                "; ".join(f"{k}={v}" for k, v in e.fields.items()),
            ]
            for e in entries
        )
        header = ["block", "time_utc", "tx_hash", "log_index", "contract", "event", "fields"]
        return _csv_response("audit-trail.csv", header, rows)

    return app


# ---------------------------------------------------------------------------------------------
# Access token and CSRF
# ---------------------------------------------------------------------------------------------


def _install_guards(app: Flask, config: ConsoleSettings) -> None:
    @app.before_request
    def guard() -> ResponseReturnValue | None:
        token = config.access_token
        if token is not None and request.endpoint != "login" and not _carries_token(token):
            return render_template("login.html", failed=False, next=request.full_path), 401
        if request.method == "POST" and request.endpoint != "login":
            expected = session.get(CSRF_FIELD)
            given = request.form.get(CSRF_FIELD)
            if not isinstance(expected, str) or not token_matches(expected, given):
                return render_template(
                    "error.html",
                    message="the form's security token (CSRF) is missing or stale; nothing was "
                    "done",
                    hint="reload the page and submit the form again",
                ), 400
        return None

    @app.route("/login", methods=["GET", "POST"])
    def login() -> ResponseReturnValue:
        token = config.access_token
        if token is None:
            return redirect(url_for("dashboard"))
        target = _safe_next(request.values.get("next", "/"))
        if request.method == "GET":
            return render_template("login.html", failed=False, next=target)
        if not token_matches(token, request.form.get("token", "")):
            return render_template("login.html", failed=True, next=target), 401
        response = redirect(target, code=303)
        response.set_cookie(
            ACCESS_COOKIE, cookie_value(token), httponly=True, samesite="Strict", path="/"
        )
        return response

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        return response


def _carries_token(token: str) -> bool:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer ") and token_matches(token, header[7:].strip()):
        return True
    if token_matches(token, request.headers.get(ACCESS_HEADER)):
        return True
    return token_matches(cookie_value(token), request.cookies.get(ACCESS_COOKIE))


def _safe_next(target: str) -> str:
    """Only a path on this console (no scheme, no other host) is a place to return to."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = new_csrf_token()
        session[CSRF_FIELD] = token
    return token


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _importer(config: ConsoleSettings) -> Importer:
    if config.importer is None:
        raise SectokenError("imports are not available in this console (no registry)")
    return config.importer


def _positive_int(text: str, what: str) -> int:
    try:
        value = int(text.strip())
    except ValueError:
        raise SectokenError(f"the {what} must be a whole number, not {text!r}") from None
    if value < 1:
        raise SectokenError(f"the {what} must be at least 1, not {value}")
    return value


def _record_date_arg() -> int | None:
    text = request.args.get("record_date", "").strip()
    return _positive_int(text, "record date id") if text else None


def _audit_query() -> AuditQuery:
    args = request.args
    first = args.get("from_block", "").strip()
    last = args.get("to_block", "").strip()
    return AuditQuery(
        event=args.get("event", "").strip(),
        contract=args.get("contract", "").strip(),
        address=args.get("address", "").strip(),
        from_block=_block_arg(first, "from block") if first else None,
        to_block=_block_arg(last, "to block") if last else None,
    )


def _block_arg(text: str, what: str) -> int:
    if text.strip() == "0":
        return 0
    return _positive_int(text, what)


def _csv_response(name: str, header: list[str], rows: Iterable[list[str]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _date(seconds: int) -> str:
    return format_timestamp(int(seconds)) if seconds else "-"


def _country(numeric: int) -> str:
    return format_country(int(numeric)) if numeric else "no record"


def _short(wallet: str) -> str:
    return f"{wallet[:8]}…{wallet[-6:]}"


def _percent(share: Decimal | float) -> str:
    return f"{float(share) * 100:.2f}%"


def _record_text(word: int) -> str:
    """A packed registry word as words: country, KYC expiry, class flags, frozen."""
    if not word:
        return "no record"
    try:
        record = unpack(word)
    except RecordError as exc:
        return f"undecodable record ({exc})"
    investor = Investor("", record)
    text = (
        f"{_country(record.country)}, KYC until {_date(record.kyc_expiry)}, "
        f"{investor.investor_class}"
    )
    if record.lockup_until:
        text += f", locked until {_date(record.lockup_until)}"
    if record.frozen:
        text += ", FROZEN"
    return text
