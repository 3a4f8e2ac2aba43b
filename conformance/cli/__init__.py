"""vault-conformance: the command line (see CONTRACT.md for what users rely on)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import warnings
from pathlib import Path

from conformance import __version__
from conformance.catalog import PLUGIN_TYPES, REQUIREMENTS
from conformance.errors import InfrastructureError, UsageError
from conformance.report.headline import headline
from conformance.runtime.lifecycle import ENDING, sweep_own


class OneLineParser(argparse.ArgumentParser):
    """Usage errors are one clear line and exit code 2, never a usage dump or a traceback."""

    def error(self, message: str):
        command = self.prog.removeprefix("vault-conformance").strip()
        raise UsageError(f"{command}: {message}" if command else message)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="vault-conformance",
                           description="Conformance suite for Vault and OpenBao external plugins.")
    parser.add_argument("--version", action="version", version=f"vault-plugin-conformance {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)

    certify = commands.add_parser("certify", help="certify a plugin binary against the requirement catalog")
    certify.add_argument("binary", nargs="?", help="path to the plugin binary (or give --manifest)")
    certify.add_argument("--type", dest="plugin_type", help="secret, auth or database")
    certify.add_argument("--name", help="catalog name to register (default: the binary's file name)")
    certify.add_argument("--plugin-version", help="version to register the plugin under (semver)")
    certify.add_argument("--manifest", action="append",
                         help="TOML manifest naming the binary, type, name and version; repeat it to certify "
                              "several plugins (--jobs of them at a time) and compare them")
    certify.add_argument("--runtime", default="auto", choices=("auto", "process", "docker", "wire"))
    certify.add_argument("--server", default="openbao", choices=("openbao", "vault"))
    certify.add_argument("--server-version", help="server version to use (must match the installed one)")
    certify.add_argument("--server-binary", help="path to a bao or vault binary to run instead of the embedded one")
    certify.add_argument("--server-image", help="server container image (docker runtime)")
    certify.add_argument("--server-port", type=int, help="loopback port for the server API (default: a free one)")
    certify.add_argument("--report-dir", help="where to write the reports (default: reports/<name>-<UTC time>/)")
    certify.add_argument("--level", default="all", choices=("must", "should", "all"))
    certify.add_argument("-k", dest="keyword", help="only requirements matching this expression (pytest -k syntax)")
    certify.add_argument("--area", action="append", dest="areas", metavar="AREA",
                         help="only requirements of this area (repeatable): handshake, tls, paths, leases, ...")
    certify.add_argument("--list", action="store_true", dest="list_only",
                         help="dry run: print which requirements would run, and why the others would not")
    certify.add_argument("--jobs", type=int, default=1, help="parallel workers (default 1)")
    certify.add_argument("--deadline", type=float, default=900.0, metavar="SECONDS",
                         help="end the certification of one plugin after this long: checks not started by then "
                              "are reported as errors (default 900)")
    certify.add_argument("--baseline", help="a previous report.json; a requirement that passed there must pass now")
    certify.add_argument("--baseline-any", action="store_true",
                         help="compare with a --baseline of another plugin, type, server or runtime (refused otherwise)")
    certify.add_argument("--gate-metrics", action="store_true",
                         help="a metric more than 50%% worse than the --baseline's fails the gate too (default: "
                              "reported only; timings move with the machine's load)")
    certify.add_argument("--allow-incomplete", action="store_true",
                         help="exit 0 instead of 4 when no MUST failed but some went unchecked for want of a "
                              "manifest recipe (the verdict stays 'incomplete')")

    requirements = commands.add_parser("requirements", help="print the requirement catalog")
    requirements.add_argument("--format", default="table", choices=("table", "json", "markdown"))

    commands.add_parser("cleanup", help="end the processes and remove the containers and temp dirs a killed run left")

    docs = commands.add_parser("docs", help="write the requirement pages (one per area) from the catalog")
    docs.add_argument("--out", default="docs/requirements", help="folder to write into (default docs/requirements)")
    docs.add_argument("--readme", default="README.md",
                      help="a README whose requirement table (between its markers) is rebuilt too (default README.md)")

    compare = commands.add_parser("compare", help="a matrix of several reports (plugins, versions, servers)")
    compare.add_argument("reports", nargs="+", metavar="REPORT_JSON")
    compare.add_argument("--html", help="write the HTML matrix here")
    compare.add_argument("--markdown", help="write the Markdown matrix here (default: print it)")
    compare.add_argument("--merge", action="store_true",
                         help="merge reports of the same plugin, server and runtime (sharded runs) into one column")

    report = commands.add_parser("report", help="render a report.json in another format")
    report.add_argument("report_json")
    report.add_argument("--format", required=True, choices=("html", "markdown", "junit"))
    return parser


def cmd_requirements(args) -> int:
    rows = [r.as_dict() for r in REQUIREMENTS]
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    elif args.format == "markdown":
        print("| id | level | area | title | source |\n|---|---|---|---|---|")
        for row in rows:
            print(f"| {row['id']} | {row['level']} | {row['area']} | {row['title']} | {row['source']} |")
    else:
        for row in rows:
            print(f"{row['id']:<9} {row['level']:<6} {row['area']:<10} {row['title']}")
    return 0


def cmd_certify(args) -> int:
    from conformance.certify import CertifyOptions, certify

    if args.plugin_type is not None and args.plugin_type not in PLUGIN_TYPES:
        raise UsageError(f"unknown --type {args.plugin_type!r}: choose secret, auth or database")
    manifests = args.manifest or []
    if args.list_only:
        return _list_plan(args, manifests)
    values = {k: v for k, v in vars(args).items() if k not in ("command", "list_only")}
    values["manifest"] = manifests[0] if len(manifests) == 1 else None
    options = CertifyOptions(**values)
    if options.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    if not options.deadline > 0 or options.deadline == float("inf"):
        raise UsageError(f"--deadline must be a positive number of seconds (got {options.deadline})")
    if len(manifests) > 1:
        return _certify_many(manifests, options)
    outcome = certify(options)
    summary = outcome.report["summary"]
    print(f"{outcome.report['plugin']['name']}: {headline(outcome.report, outcome.exit_code)} "
          f"({summary['passed']} passed, {summary['failed']} failed, {summary['skipped']} skipped, "
          f"{summary['errors']} errors; {summary['coverage']['checked_must']} MUSTs checked of "
          f"{summary['coverage']['scope']})")
    for result in outcome.report["results"]:
        if result["outcome"] in ("failed", "error"):
            print(f"  {result['outcome'].upper():<6} {result['message']}")
    unchecked: dict[str, list[str]] = {}
    for item in summary["coverage"]["not_checked"]:
        if item["kind"] == "needs-manifest":
            unchecked.setdefault(item["how"], []).append(item["id"])
    for how, ids in unchecked.items():  # one line per remedy
        print(f"  UNCHECKED MUST {', '.join(ids)}: {how}")
    baseline = outcome.report.get("baseline") or {}
    if baseline.get("regressions"):
        print(f"  REGRESSED since baseline: {', '.join(baseline['regressions'])}")
    if baseline.get("lost_coverage"):
        print(f"  LOST COVERAGE since baseline (passed there, unchecked now): {', '.join(baseline['lost_coverage'])}")
    for slower in baseline.get("metric_regressions") or []:
        print(f"  SLOWER than the baseline (more than +50%"
              f"{'' if baseline.get('metrics_gate') else ', reported only: --gate-metrics to gate'}): {slower}")
    print(f"report: {outcome.report_dir / 'report.json'}")
    return outcome.exit_code


def _read_report(raw: str) -> dict:
    path = Path(raw)
    try:
        document = json.loads(path.read_text())
    except OSError as error:
        raise UsageError(f"cannot read report {path}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"report {path} is not JSON: {error}") from None
    if not isinstance(document, dict) or not isinstance(document.get("results"), list):
        raise UsageError(f"report {path} is not a vault-plugin-conformance report (no results list)")
    return document


def _list_plan(args, manifests: list[str]) -> int:
    from conformance.certify.selection import plan_lines, select
    from conformance.manifest import validate_manifest

    plugin_type = args.plugin_type
    # Validated as certify validates it (the same exit 2), but no computed value made: a dry run starts nothing.
    documents = [validate_manifest(path) for path in manifests]
    if documents and plugin_type is None:
        plugin_type = documents[0].plugin.type
    runtime = args.runtime if args.runtime != "auto" else None
    selection = select(args.level, args.keyword, args.areas)
    lines = plan_lines(selection, plugin_type, runtime, documents[0] if documents else None)
    print("\n".join(lines))
    running = sum(1 for line in lines if line.split()[3] == "run")
    unchecked = [line.split()[0] for line in lines if "(needs-manifest)" in line and line.split()[1] == "MUST"]
    print(f"{running} of {len(lines)} requirements would run" + (f" for a {plugin_type} plugin" if plugin_type else "")
          + (f"; {len(unchecked)} MUSTs would go unchecked for want of a manifest recipe: the verdict would be "
             f"incomplete at best" if unchecked else ""))
    return 0


def _certify_many(manifests: list[str], options) -> int:
    from conformance.cli.many import certify_many

    code, root, results = certify_many(manifests, options)
    for result in results:
        lines = [line for line in result.output.splitlines() if line.strip()]
        verdict = next((line for line in lines if ": " in line and "(" in line), lines[-1] if lines else "no output")
        print(f"{verdict}  [{result.seconds:.1f} s, exit {result.exit_code}]")
        for line in lines:
            if line.startswith("  FAILED") or line.startswith("  ERROR") or line.startswith("vault-conformance:"):
                print(f"  {line.strip()}")
    if (root / "matrix.md").exists():
        print(f"matrix: {root / 'matrix.html'} and {root / 'matrix.md'}")
    return code


def cmd_report(args) -> int:
    from conformance.report.html import html_report
    from conformance.report.junit import junit_xml
    from conformance.report.markdown import markdown_summary

    document = _read_report(args.report_json)
    if args.format == "junit":
        sys.stdout.write(junit_xml(document).decode())
    elif args.format == "markdown":
        sys.stdout.write(markdown_summary(document))
    else:
        sys.stdout.write(html_report(document))
    return 0


def cmd_compare(args) -> int:
    from conformance.report.compare import compare, matrix_html, matrix_markdown, merge_shards

    documents = [_read_report(raw) for raw in args.reports]
    try:
        matrix = compare(merge_shards(documents) if args.merge else documents)
    except ValueError as error:
        raise UsageError(f"compare: {error}") from None
    if args.html:
        Path(args.html).write_text(matrix_html(matrix), encoding="utf-8")
    markdown = matrix_markdown(matrix)
    markdown += "" if markdown.endswith("\n") else "\n"
    if args.markdown:
        Path(args.markdown).write_text(markdown, encoding="utf-8")
    if not args.markdown:
        sys.stdout.write(markdown)
    print(matrix.headline, file=sys.stderr if not args.markdown else sys.stdout)
    return 0


def cmd_cleanup(args) -> int:
    """What a run killed before its clean-up (kill -9) left: its containers, its processes (a server and
    its plugins run in sessions of their own, so they outlive the run), its temp dirs."""
    from conformance.runtime import strays
    from conformance.runtime.servers.docker import daemon_answers, docker_client, remove_run_containers
    from conformance.runtime.tempdirs import remove_orphaned_tempdirs

    ended = strays.kill(strays.orphaned())
    print(f"ended {len(ended)} process(es) left by earlier runs" + (f": {', '.join(ended[:5])}" if ended else ""))
    if daemon_answers():
        client = docker_client()
        removed = remove_run_containers(client)
        client.close()
        print(f"removed {removed} container(s) left by earlier runs")
    else:
        print("no Docker daemon answers: no container to clean up")
    dirs = remove_orphaned_tempdirs()
    print(f"removed {len(dirs)} temp dir(s) left by earlier runs")
    return 0


def cmd_docs(args) -> int:
    from conformance.cli.docs import write_requirement_pages

    written = write_requirement_pages(Path(args.out), Path(args.readme) if args.readme else None)
    print(f"wrote {len(written)} files: {args.out}/*.md" + (f" and the table in {args.readme}" if args.readme else ""))
    return 0


COMMANDS = {"certify": cmd_certify, "requirements": cmd_requirements, "report": cmd_report, "cleanup": cmd_cleanup,
            "compare": cmd_compare, "docs": cmd_docs}


def _terminate(signum, frame):
    _interrupt(signum, frame)  # run every cleanup on SIGTERM as on Ctrl-C


def _interrupt(signum, frame):
    if not ENDING.is_set():
        ENDING.set()
        try:
            _quiet_exit()
        except Exception:  # noqa: BLE001 - landing mid-import, say: the interrupt itself must still happen
            pass
    raise KeyboardInterrupt


def _unraisable(unraisable) -> None:
    """An interrupt that landed inside a finalizer is swallowed by Python: deliver it again, outside it."""
    if unraisable.exc_type is KeyboardInterrupt:
        # From another thread, a moment later: sent from here it would land in this hook again.
        threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGINT)).start()
        return
    if ENDING.is_set():
        return  # an RPC coroutine of a background observation, dropped half-way as the interrupted run ends
    sys.__unraisablehook__(unraisable)


def _quiet_exit() -> None:
    # logging and warnings are imported at the top: an import here, in a signal handler that landed in the
    # middle of another import of logging, would meet a half-initialised module.
    for name in ("asyncio", "concurrent.futures"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    warnings.simplefilter("ignore")


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _interrupt)
    sys.unraisablehook = _unraisable
    try:
        args = build_parser().parse_args(argv)
        return COMMANDS[args.command](args)
    except (UsageError, InfrastructureError) as error:
        print(f"vault-conformance: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        # Everything is stopped by now: one more Ctrl-C must not turn the exit into a death by signal, and what
        # background threads cut short say while the interpreter ends (cancelled tasks, futures) is not news.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        _quiet_exit()
        try:
            sweep_own()  # what a background thread the clean-up could not wait for made after it
        except Exception:  # noqa: BLE001 - best effort on the way out; the exit must still be quiet
            pass
        print("vault-conformance: interrupted; everything it started was stopped", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head`: the run itself is done and reported
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
