"""The command line: ``social-monitor [--config PATH] COMMAND``.

Exit codes (a contract scripts rely on): 0 ok; 1 runtime failure; 2 usage or
config error; 3 ``poll`` finished but a source failed or was skipped for a
rate-limit window (the others were still polled).
"""

from __future__ import annotations

import argparse
import json
import logging
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import structlog

from monitor import log as logsetup
from monitor.config import Config, SecretRef, config_path_from, load_config
from monitor.engine import Engine, build_engine, rules_compiled
from monitor.errors import ConfigError
from monitor.models import Item, ItemKind, utcnow

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_SOURCES_FAILED = 3

log = structlog.get_logger(__name__)


class UsageError(Exception):
    """A command was given arguments it cannot use (exit 2)."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every command."""
    parser = argparse.ArgumentParser(
        prog="social-monitor",
        description="Vet a school's social media accounts and feeds against its social media "
        "policy, hide what may be hidden, keep the evidence and email staff.",
    )
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $SOCIAL_MONITOR_CONFIG or /etc/social-monitor/monitor.toml)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    sub.add_parser("check", help="validate the config, secrets, roster and word lists")

    poll = sub.add_parser("poll", help="poll every source once: fetch, vet, act, email, exit")
    poll.add_argument("--source", metavar="NAME", help="poll only this source")
    poll.add_argument(
        "--dry-run",
        action="store_true",
        help="fetch and vet, but hide nothing, send nothing and store nothing",
    )

    rules = sub.add_parser("test-rules", help="vet TEXT (or stdin) and explain each finding")
    rules.add_argument("text", nargs="?", metavar="TEXT", help="text to vet (default: stdin)")
    rules.add_argument(
        "--jsonl",
        action="store_true",
        help='read lines {"id": ..., "text": ...} on stdin, print one JSON result per line',
    )

    findings = sub.add_parser(
        "findings", help="list stored findings; 'findings allow ID' reverses one"
    )
    findings.add_argument("--since", metavar="DATE", help="only findings since DATE (YYYY-MM-DD)")
    findings.add_argument("--json", action="store_true", help="print one JSON array")
    verdicts = findings.add_subparsers(dest="verdict", metavar="allow")
    allow = verdicts.add_parser(
        "allow",
        help="mark finding ID a false positive: unhide its item and do not flag that text again",
    )
    allow.add_argument("finding_id", type=int, metavar="ID")

    sub.add_parser(
        "audit", help="check each account's About page links to the ICT Acceptable Use Policy"
    )

    status = sub.add_parser("status", help="health of each source and the email outbox")
    status.add_argument("--json", action="store_true", help="print one JSON object")

    sub.add_parser(
        "run",
        help="the daemon: poll every source on its schedule, send email, run the digest, "
        "audit and purge; SIGHUP reloads the config, SIGTERM stops (see systemd/)",
    )

    digest = sub.add_parser(
        "digest", help="send SLT a digest of everything since the last digest, up to now"
    )
    digest.add_argument(
        "--preview", action="store_true", help="print the text part instead of sending"
    )
    digest.add_argument(
        "--html", metavar="FILE", help="write the HTML (chart inlined) to FILE instead of sending"
    )

    demo = sub.add_parser(
        "demo", help="run a local sandbox (blog, Facebook, Instagram, X, SMTP) and one poll"
    )
    demo.add_argument(
        "--output",
        metavar="DIR",
        default="social-monitor-demo",
        help="folder for the demo's config, state and emails (default: ./social-monitor-demo)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0) and EXIT_USAGE
    logsetup.configure(level=logging.DEBUG if args.verbose else logging.INFO)
    handler = COMMANDS[args.command]
    try:
        return handler(args)
    except ConfigError as err:
        print(f"social-monitor: {err}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as err:
        print(f"social-monitor {args.command}: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except sqlite3.OperationalError as err:  # the state file: locked, disk full, unwritable
        log.error("store_unavailable", command=args.command, error=str(err))
        from monitor.store import describe_failure  # noqa: PLC0415

        print(f"social-monitor: {args.command} failed: {describe_failure(err)}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as err:
        log.exception("command_failed", command=args.command)
        print(
            f"social-monitor: {args.command} failed: {type(err).__name__}: {err}", file=sys.stderr
        )
        return EXIT_FAILURE


def _config(args: argparse.Namespace) -> Config:
    return load_config(config_path_from(args.config))


# -- check -------------------------------------------------------------------


def _secret_refs(value: Any) -> list[SecretRef]:
    """Every SecretRef anywhere in a config model."""
    from pydantic import BaseModel  # noqa: PLC0415 - only check walks the model

    if isinstance(value, SecretRef):
        return [value]
    if isinstance(value, BaseModel):
        return [r for name in type(value).model_fields for r in _secret_refs(getattr(value, name))]
    if isinstance(value, tuple | list):
        return [r for v in value for r in _secret_refs(v)]
    if isinstance(value, dict):
        return [r for v in value.values() for r in _secret_refs(v)]
    return []


def cmd_check(args: argparse.Namespace) -> int:
    """Validate everything a poll will need, reporting every problem found."""
    from monitor.roster import load_roster  # noqa: PLC0415

    config = _config(args)
    problems: list[str] = []
    for ref in _secret_refs(config):
        try:
            ref.resolve()
        except ConfigError as err:
            problems.append(str(err))
    pupils = 0
    if config.roster:
        try:
            pupils = len(load_roster(config.roster))
        except ConfigError as err:
            problems.append(str(err))
    try:
        engine = build_engine(config)
    except ConfigError as err:
        problems.append(str(err))
        engine = None
    if problems:
        print(f"{config.path}: {len(problems)} problem(s):", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_USAGE
    print(f"{config.path}: OK")
    print(f"  school: {config.school.name}")
    print(f"  sources: {', '.join(s.name for s in config.sources) or 'none'}")
    print(f"  roster: {pupils} pupils" if config.roster else "  roster: none configured")
    print(f"  rules: {', '.join(engine.rule_ids) if engine else ''}")
    print(f"  rules run: {'compiled' if rules_compiled() else 'from Python source (slower)'}")
    return EXIT_OK


# -- poll --------------------------------------------------------------------


def cmd_poll(args: argparse.Namespace) -> int:
    """One cycle over the sources, then send what is queued."""
    from monitor.mailer import Mailer  # noqa: PLC0415
    from monitor.outbox import flush  # noqa: PLC0415
    from monitor.poller import Poller, poll_all  # noqa: PLC0415
    from monitor.store import Store  # noqa: PLC0415

    config = _config(args)
    sources = _selected_sources(config, args.source)
    engine = build_engine(config)
    if args.dry_run:
        return _dry_run(config, engine, sources)
    password = config.email.password.resolve() if config.email.password else None
    with Store(config.storage.path) as store:
        poller = Poller(config, store, engine)
        # The sources side by side on the daemon's pool size, then one flush.
        reports = poll_all(poller, sources, config.service.workers)
        sent = flush(store, config, Mailer(config.email, password))
    for r in reports:
        if r.skipped_until:
            status = f"skipped: rate-limited until {r.skipped_until:%H:%M:%S} UTC"
        elif r.error:
            status = f"FAILED: {r.error}"
        else:
            status = f"{r.fetched} fetched, {r.new} new, {len(r.findings)} findings"
            if r.hidden or r.hide_failed:
                status += f", {r.hidden} hidden, {r.hide_failed} could not be hidden"
        print(f"{r.source}: {status}")
        for stored, f in r.findings:
            print(
                f"  [{f.rule}/{f.severity}] {_excerpt(stored.item.text)} ({stored.item.permalink})"
            )
    print(f"email: {sent.sent} sent", end="")
    if sent.pending:
        print(f", {sent.pending} queued for the next poll ({sent.error})", end="")
    if sent.failed:
        print(f", {sent.failed} FAILED permanently ({sent.error})", end="")
    print()
    if not all(r.ok for r in reports):
        return EXIT_SOURCES_FAILED
    return EXIT_FAILURE if sent.failed or sent.blocked else EXIT_OK


def _selected_sources(config: Config, name: str | None) -> list[Any]:
    if name is None:
        return [s for s in config.sources if s.enabled]
    try:
        return [config.source(name)]
    except KeyError:
        known = ", ".join(s.name for s in config.sources) or "none"
        raise UsageError(f"--source {name}: no such source (configured: {known})") from None


def _dry_run(config: Config, engine: Engine, sources: Sequence[Any]) -> int:
    from monitor.poller import preview  # noqa: PLC0415

    ok = True
    for source in sources:
        report = preview(config, engine, source)
        if report.error:
            ok = False
            print(f"{source.name}: FAILED: {report.error}")
            continue
        print(
            f"{source.name}: {report.fetched} items fetched, "
            f"{len(report.findings)} findings (dry run)"
        )
        for stored, f in report.findings:
            print(f"  [{f.rule}/{f.severity} -> {f.action}] {_excerpt(stored.item.text)}")
            print(f"      matched {f.match!r}; {stored.item.permalink or stored.item.platform_id}")
    return EXIT_OK if ok else EXIT_SOURCES_FAILED


def _excerpt(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


# -- test-rules --------------------------------------------------------------


def _engine_for_rules(args: argparse.Namespace) -> Engine:
    """The configured engine when a config is given or present, else the defaults."""
    path = config_path_from(args.config)
    if args.config or path.exists():
        return build_engine(load_config(path))
    return build_engine(None)


def _probe(text: str, *, kind: ItemKind = ItemKind.COMMENT, own: bool = False) -> Item:
    return Item(
        source="test-rules",
        platform_id="stdin",
        kind=kind,
        text=text,
        created_at=datetime.now(UTC),
        is_own=own,
    )


def _jsonl_probe(line: str) -> tuple[object, Item]:
    """A ``test-rules --jsonl`` line's id and item: ``text``, and optionally ``kind``
    (an item kind, default comment) and ``own`` (the school's own post, default false).

    Raises:
        ValueError: the line is not such an object (the message says what is wrong).
    """
    record = json.loads(line)
    if not isinstance(record, dict) or not isinstance(record.get("text"), str):
        raise ValueError('expected an object with a string "text"')
    kinds = ", ".join(k.value for k in ItemKind)
    try:
        kind = ItemKind(record.get("kind", ItemKind.COMMENT.value))
    except ValueError:
        raise ValueError(f'"kind" must be one of {kinds}') from None
    own = record.get("own", False)
    if not isinstance(own, bool):
        raise ValueError('"own" must be true or false')
    return record.get("id"), _probe(record["text"], kind=kind, own=own)


def cmd_test_rules(args: argparse.Namespace) -> int:
    """Explain what the rules find in a text, or vet JSON lines in bulk."""
    engine = _engine_for_rules(args)
    if args.jsonl:
        return _test_rules_jsonl(engine)
    text = args.text if args.text is not None else sys.stdin.read()
    explained = engine.explain(_probe(text))
    if not explained:
        print("no findings")
    for e in explained:
        f = e.finding
        print(f"{f.rule}: severity {f.severity}, action {f.action}")
        print(f"  span {f.start}-{f.end}: {f.match!r}")
        if e.text is not None and f.normalised:
            print(f"  normalised: {f.normalised!r}")
        if f.entry:
            print(f"  list entry: {f.entry!r}")
    return EXIT_OK


def _test_rules_jsonl(engine: Engine) -> int:
    status = EXIT_OK
    for number, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        try:
            record_id, probe = _jsonl_probe(line)
        except ValueError as err:
            print(f"social-monitor test-rules: stdin line {number}: {err}", file=sys.stderr)
            status = EXIT_FAILURE
            continue
        found = engine.vet(probe)
        out = {
            "id": record_id,
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity.value,
                    "action": f.action.value,
                    "match": f.match,
                }
                for f in found
            ],
        }
        print(json.dumps(out, ensure_ascii=False), flush=False)
    return status


# -- findings and status -----------------------------------------------------


def _parse_since(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            raise UsageError(f"--since {value!r}: write a date as YYYY-MM-DD") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def cmd_findings(args: argparse.Namespace) -> int:
    """List stored findings, newest last; or allow one."""
    from monitor.store import Store  # noqa: PLC0415

    config = _config(args)
    if args.verdict == "allow":
        return _allow(config, args.finding_id)
    since = _parse_since(args.since) if args.since else None
    with Store(config.storage.path) as store:
        found = store.findings(since=since)
    rows: list[dict[str, Any]] = [
        {
            "id": sf.id,
            "rule": sf.finding.rule,
            "severity": sf.finding.severity.value,
            "action": sf.finding.action.value,
            "match": sf.finding.match,
            "source": sf.item.source,
            "item_id": sf.item.platform_id,
            "item_kind": sf.item.kind.value,
            "author": sf.item.author_name,
            "text": sf.item.text,
            "permalink": sf.item.permalink,
            "posted_at": sf.item.created_at.isoformat(),
            "found_at": sf.created_at.isoformat(),
            "status": sf.status,
            "action_state": sf.action_state,
            "action_detail": sf.action_detail or None,
        }
        for sf in found
    ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        print("no findings")
    for r in rows:
        done = f"{r['action']}: {r['action_state']}" if r["action_state"] else r["action"]
        print(f"#{r['id']} {r['found_at'][:16]} {r['source']} {r['rule']}/{r['severity']} ({done})")
        print(f"    {r['author'] or 'unknown'}: {_excerpt(str(r['text']), 100)}")
        if r["permalink"]:
            print(f"    {r['permalink']}")
    return EXIT_OK


def _allow(config: Config, finding_id: int) -> int:
    from monitor.allow import allow_finding  # noqa: PLC0415
    from monitor.store import Store  # noqa: PLC0415

    with Store(config.storage.path) as store:
        try:
            result = allow_finding(config, store, finding_id)
        except KeyError:
            hint = "list them with: social-monitor findings"
            raise UsageError(f"no finding #{finding_id} ({hint})") from None
    print(f"finding #{finding_id} allowed: the same text will not be flagged by this rule again")
    if result.unhidden:
        print(f"  unhidden on the platform: {result.permalink or ''}")
    elif result.unhide_error:
        print(f"  could NOT unhide it: {result.unhide_error}")
        print(f"  unhide it by hand: {result.permalink or 'see the platform'}")
        return EXIT_FAILURE
    return EXIT_OK


def cmd_audit(args: argparse.Namespace) -> int:
    """Audit every account's About page once and send any resulting alert."""
    from monitor.audit import run_audit  # noqa: PLC0415
    from monitor.mailer import Mailer  # noqa: PLC0415
    from monitor.outbox import flush  # noqa: PLC0415
    from monitor.store import Store  # noqa: PLC0415

    config = _config(args)
    with Store(config.storage.path) as store:
        results = run_audit(config, store)
        sent = flush(store, config, Mailer(config.email))
    for r in results:
        verdict = {True: "OK", False: "MISSING", None: "not audited"}[r.ok]
        print(f"{r.source}: {verdict}: {r.detail}")
    if sent.sent or sent.pending:
        print(f"email: {sent.sent} sent, {sent.pending} queued")
    return EXIT_OK


def cmd_status(args: argparse.Namespace) -> int:
    """Per-source health and the outbox; exits 0 even when sources fail."""
    from monitor.store import OutboxState, Store  # noqa: PLC0415

    config = _config(args)
    with Store(config.storage.path) as store:
        states = [store.source_state(s.name, s.kind) for s in config.sources]
        # A source read fine may still be unable to hide: the newest hide notice says.
        hiding = [store.latest_outbox("health", f"health:{s.name}:hide_") for s in config.sources]
        counts = store.outbox_counts()
        failed_mail = store.outbox(OutboxState.FAILED)
        # Why queued email waits (server down, 4xx, login refused): the newest try's error.
        waiting = [r.last_error for r in store.outbox() if r.attempts and r.last_error]

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    sources: list[dict[str, Any]] = [
        {
            "name": st.name,
            "kind": st.kind,
            "enabled": src.enabled,
            "healthy": st.healthy,
            "last_error": st.last_error,
            "error_category": st.error_category,
            "last_poll": iso(st.last_poll),
            "last_success": iso(st.last_success),
            "items_seen": st.items_seen,
            "consecutive_failures": st.consecutive_failures,
            "failing_since": iso(st.failing_since),
            "rate_limited_until": iso(st.rate_limited_until),
            "notices": list(st.notices),
            "cannot_hide": (
                told.payload.get("error")
                if told is not None and told.payload.get("event") == "hide_blocked"
                else None
            ),
        }
        for st, src, told in zip(states, config.sources, hiding, strict=True)
    ]
    out: dict[str, Any] = {
        "sources": sources,
        "outbox_pending": counts.get(OutboxState.PENDING, 0),
        "outbox_failed": counts.get(OutboxState.FAILED, 0),
        "outbox_sent": counts.get(OutboxState.SENT, 0),
        "outbox_errors": [r.last_error for r in failed_mail],
        "outbox_waiting_error": waiting[-1] if waiting else None,
        "checked_at": utcnow().isoformat(),
        "daemon": _daemon_status(config),
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return EXIT_OK
    for s in sources:
        health = "ok" if s["healthy"] else f"FAILING ({s['error_category']}): {s['last_error']}"
        if s["error_category"] == "rate_limited":
            health = f"waiting for the platform's rate limit: {s['last_error']}"
        if s["last_poll"] is None:
            health = "not polled yet"
        print(f"{s['name']} [{s['kind']}]: {health}")
        for notice in s["notices"]:
            print(f"    note: {notice}")
        if s["cannot_hide"]:
            print(f"    CANNOT HIDE: {s['cannot_hide']}")
        print(
            f"    last poll {s['last_poll'] or '-'}, last success {s['last_success'] or '-'}, "
            f"{s['items_seen']} items seen"
        )
    print(f"outbox: {out['outbox_pending']} pending, {out['outbox_failed']} failed")
    if out["outbox_waiting_error"]:
        print(f"    waiting because: {out['outbox_waiting_error']}")
    for err in out["outbox_errors"]:
        print(f"    failed email: {err}")
    daemon = out["daemon"]
    if daemon is None:
        print("daemon: not running")
    else:
        print(f"daemon: running (pid {daemon['pid']}, since {daemon['started_at']})")
        for job in daemon["jobs"]:
            running = f", running since {job['running_since']}" if job["running_since"] else ""
            print(f"    {job['id']}: next run {job['next_run'] or '-'}{running}")
    return EXIT_OK


def _daemon_status(config: Config) -> dict[str, Any] | None:
    """The running daemon's next run per job (from its daemon.json), or None."""
    from monitor.service import read_state  # noqa: PLC0415

    state = read_state(config.storage.path)
    if state is None:
        return None
    return {
        "pid": state.pid,
        "started_at": state.started_at.isoformat(),
        "updated_at": state.updated_at.isoformat(),
        "jobs": [
            {
                "id": j.id,
                "next_run": j.next_run.isoformat() if j.next_run else None,
                "running_since": j.running_since.isoformat() if j.running_since else None,
            }
            for j in state.jobs
        ],
    }


def cmd_run(args: argparse.Namespace) -> int:
    """The daemon, until SIGTERM/SIGINT (exit 0); a bad config at start exits 2."""
    from monitor.service import run_service  # noqa: PLC0415

    path = config_path_from(args.config)
    return run_service(path, load_config(path))


def cmd_digest(args: argparse.Namespace) -> int:
    """Send (or with --preview/--html only show) the digest since the last one, up to now."""
    from monitor.digest import inline_images, preview_digest, queue_manual_digest  # noqa: PLC0415
    from monitor.mailer import Mailer  # noqa: PLC0415
    from monitor.outbox import flush, shortener_for  # noqa: PLC0415
    from monitor.store import Store  # noqa: PLC0415

    config = _config(args)
    now = utcnow()
    with Store(config.storage.path) as store:
        if args.preview or args.html:
            email = preview_digest(config, store, now, shorten=shortener_for(config))
            if args.html:
                Path(args.html).write_text(inline_images(email), encoding="utf-8")
            if args.preview:
                print(f"Subject: {email.subject}\n")
                print(email.text, end="")
            return EXIT_OK
        if not queue_manual_digest(config, store, now):
            print("nothing to report since the last digest, and email.send_empty = false: not sent")
            return EXIT_OK
        sent = flush(store, config, Mailer(config.email))
    print(f"digest queued; email: {sent.sent} sent", end="")
    if sent.pending:
        print(f", {sent.pending} queued for the next send ({sent.error})", end="")
    if sent.failed:
        print(f", {sent.failed} FAILED permanently ({sent.error})", end="")
    print()
    return EXIT_FAILURE if sent.failed else EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the sandbox demo."""
    from monitor.demo import run_demo  # noqa: PLC0415

    return run_demo(Path(args.output))


COMMANDS = {
    "check": cmd_check,
    "poll": cmd_poll,
    "test-rules": cmd_test_rules,
    "findings": cmd_findings,
    "status": cmd_status,
    "audit": cmd_audit,
    "run": cmd_run,
    "digest": cmd_digest,
    "demo": cmd_demo,
}
