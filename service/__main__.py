"""Command line: `python -m service {serve,demo,token,import,export-estimates}`."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from catalogue import ROLES
from outputs import file_formats
from service.config import current_settings

if TYPE_CHECKING:
    from service.store import Store


def _store() -> Store:
    from service.store import Store

    settings = current_settings()
    if not settings.get("MONGODB_URI"):
        sys.exit("error: set MONGODB_URI (the store `make run` prints) for this command")
    store = Store(
        settings["MONGODB_URI"],
        settings["SURVEY_DB"],
        write_concern=str(settings["SURVEY_WRITE_CONCERN"]),
    )
    store.ensure_indexes()
    return store


def cmd_serve(args: argparse.Namespace) -> int:
    from service.supervisor import serve

    return serve(args.host, args.port, args.workers, args.threads, args.demo, args.worker_class)


def cmd_demo(args: argparse.Namespace) -> int:
    from service import demo

    if args.load:
        from service.loading import load_demo

        print(json.dumps(load_demo(_store()), indent=2))
        return 0
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "rounds.json").write_text(json.dumps(demo.rounds(), ensure_ascii=False, indent=2))
    for round_id, payloads in demo.submissions_by_round().items():
        with (out / f"{round_id}.jsonl").open("w", encoding="utf-8") as handle:
            for payload in payloads:
                handle.write(json.dumps(payload, ensure_ascii=False) + "\n")
    print(f"wrote the demo rounds and submissions to {out}/")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from service.tokens.model import issue_token

    doc, token = issue_token(_store(), args.role, args.name)
    print(json.dumps({"id": doc["_id"], "role": doc["role"], "name": doc["name"], "token": token}))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from service.domain.round import Round
    from service.loading import load_submissions, read_file

    store = _store()
    doc = store.rounds.get(args.round)
    if doc is None:
        sys.exit(f"error: round {args.round!r} does not exist")
    instrument = Round.from_doc(doc).instrument
    summary = load_submissions(store, args.round, read_file(Path(args.file), instrument))
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return 1 if summary["invalid"] or summary["conflict"] else 0


def cmd_sample_import(args: argparse.Namespace) -> int:
    from service.samples.cli import import_file

    return import_file(_store(), args.round, Path(args.file))


def cmd_backup(args: argparse.Namespace) -> int:
    from service.store.backup import dump_with_retention

    store = _store()
    folder, removed = dump_with_retention(store.db, Path(args.to), args.keep)
    print(json.dumps({"backup": str(folder / store.db.name), "removed": [str(p) for p in removed]}))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from service.store.backup import restore

    store = _store()
    counts = restore(Path(args.folder), store.db, drop=args.drop)
    if args.recount:
        store.cells.recount_all()
    print(json.dumps({"restored": counts}))
    return 0


def cmd_recount_cells(args: argparse.Namespace) -> int:
    _store().cells.recount_all()
    print(json.dumps({"recount": "every round's cells, at its next read"}))
    return 0


def cmd_export_estimates(args: argparse.Namespace) -> int:
    from schemas.estimates import EstimatesQuerySchema
    from service.domain.errors import DomainError
    from service.estimates.publication import requested_report
    from service.estimates.service import EstimatesSource, sized_cache
    from service.estimates.tables import estimates_table
    from service.rounds.model import load_round

    query = {
        key: value
        for key, value in vars(args).items()
        if key
        in ("indicator", "by", "geography", "ci", "level", "suppressed", "weighting", "overall")
        and value is not None
    }
    store = _store()
    source = EstimatesSource(store, sized_cache(current_settings()))
    try:
        survey_round = load_round(args.round, store)
        report = requested_report(survey_round, EstimatesQuerySchema().load(query), source)
    except DomainError as exc:
        sys.exit(f"error: {exc.detail} {json.dumps(exc.errors or {})}")
    output = file_formats()[args.format]
    out = Path(args.out or f"{args.round}-estimates.{output.extension}")
    out.write_bytes(output.content(estimates_table(report, survey_round), args.lang))
    print(f"wrote {out}")
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    commands = top.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="embedded store (unless MONGODB_URI) + gunicorn")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=2)
    serve.add_argument("--threads", type=int, default=8, help="threads per gthread worker")
    serve.add_argument(
        "--worker-class",
        choices=("gevent", "gthread"),
        default="gevent",
        help="gevent (default) keeps slow clients from starving the workers",
    )
    serve.add_argument("--demo", action="store_true", help="load the demo rounds first (once)")
    serve.set_defaults(run=cmd_serve)

    demo = commands.add_parser("demo", help="write the demo rounds as files, or --load them")
    demo.add_argument("--out", default="var/demo")
    demo.add_argument("--load", action="store_true", help="load into the store at MONGODB_URI")
    demo.set_defaults(run=cmd_demo)

    token = commands.add_parser("token", help="manage API tokens")
    token_commands = token.add_subparsers(dest="token_command", required=True)
    create = token_commands.add_parser("create", help="issue a token and print it once")
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--name", required=True)
    create.set_defaults(run=cmd_token)

    load = commands.add_parser("import", help="import submissions from .csv or .jsonl")
    load.add_argument("round")
    load.add_argument("file")
    load.set_defaults(run=cmd_import)

    sample = commands.add_parser("sample", help="a round's sample (docs/design.md §8)")
    sample_commands = sample.add_subparsers(dest="sample_command", required=True)
    sample_import = sample_commands.add_parser(
        "import", help="load a sample from .csv or .json (same checks as the API)"
    )
    sample_import.add_argument("round")
    sample_import.add_argument("file")
    sample_import.set_defaults(run=cmd_sample_import)

    backup = commands.add_parser(
        "backup", help="dump the database (mongodump's layout) and keep the newest --keep dumps"
    )
    backup.add_argument("--to", default="var/backups", help="folder of dated dumps")
    backup.add_argument("--keep", type=int, default=14, help="dumps kept (default 14)")
    backup.set_defaults(run=cmd_backup)

    restore = commands.add_parser("restore", help="load a dump made by `backup` or mongodump")
    restore.add_argument("folder", help="the dump's database folder (holding *.bson.gz)")
    restore.add_argument("--drop", action="store_true", help="replace collections that exist")
    restore.add_argument(
        "--recount",
        action="store_true",
        help="recount every round's cells from the submissions on first read "
        "(for a dump taken while writes ran)",
    )
    restore.set_defaults(run=cmd_restore)

    recount = commands.add_parser(
        "recount-cells", help="recount every round's cells from its submissions at its next read"
    )
    recount.set_defaults(run=cmd_recount_cells)

    export = commands.add_parser("export-estimates", help="estimates of a round as CSV or XLSX")
    export.add_argument("round")
    export.add_argument("--format", choices=list(file_formats()), default="csv")
    export.add_argument("--indicator", help="one id or a comma list (default: all)")
    export.add_argument(
        "--by", help="district, commune, area, former_province, type, sector or grouping:NAME"
    )
    export.add_argument(
        "--geography", help="report the round in this (later) geography version (the crosswalk)"
    )
    export.add_argument("--ci", default="logit")
    export.add_argument("--level", type=float, default=0.95)
    export.add_argument(
        "--suppressed",
        choices=("show", "withhold"),
        help="withhold (default): a publication's table; show: every number with its flag",
    )
    export.add_argument("--weighting", choices=("input", "nonresponse", "calibrated"))
    export.add_argument(
        "--overall", action="store_true", default=None, help="the province row first (with --by)"
    )
    export.add_argument("--lang", choices=("vi", "en"), default="vi", help="XLSX words")
    export.add_argument("--out", help="file to write (default ROUND-estimates.FORMAT)")
    export.set_defaults(run=cmd_export_estimates)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
