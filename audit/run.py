"""`make audit`: Lighthouse on six storefront pages and two staff pages, and axe-core on every HTML page,
against the shop served as in production, and a table of both with the budgets; exits 1 when a budget is
missed.

The shop runs as `make bench` runs it: APP_ENV=production under gunicorn (2 sync workers) on a fresh
SQLite file seeded with the demo catalog, plus the sample data of tests/e2e/site_pages.py (a customer
with a paid and refunded order, paid orders over the past weeks for the admin charts, an admin, a lead,
a comment, a pending payment), so compression, cache headers and the content security policy are
production's. BENCH_PORTS ("first-last") keeps gunicorn and Lighthouse's Chromium to a range of ports.

- Lighthouse 12.2.3 (pinned in audit/package.json, installed by `npm ci` into audit/node_modules) with its
  mobile defaults (simulated slow 4G and a 4× slower CPU) on home, the catalog, a product page, the free
  guide's page with its form, the cart holding a hoodie and a journal article; and, logged in as the
  admin (the axe walk's session cookie), the dashboard with its charts and the sales report. The
  performance score moves with whatever else the machine is doing, and only ever down: each page is run
  up to RUNS times and the best run counts (the others would measure the neighbours), stopping early
  once a run meets the budget.
- axe-core on every page of tests/e2e/site_pages.py (every GET route that renders HTML), at desktop size
  and on a 360×740 phone, the same walk that tests/e2e/test_accessibility.py runs in CI.

Budgets: Lighthouse performance, accessibility and best practices 1.0 on every storefront page, SEO 1.0
on the pages search engines may index, under 150 KB transferred on the first load; accessibility and
best practices 1.0 on the staff pages (behind login and noindex: their performance, SEO and bytes are
reported, not budgeted, and one run is enough); no axe violation.
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

AUDIT_DIR = Path(__file__).resolve().parent
ROOT_DIR = AUDIT_DIR.parent
RESULTS_DIR = AUDIT_DIR / "results"
LIGHTHOUSE = AUDIT_DIR / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = "/usr/bin/chromium"
PYTHON = sys.executable
sys.path.insert(0, str(ROOT_DIR))

from bench.run import PORT_RANGE, free_port, gunicorn, run_checked, wait_until_up  # noqa: E402

CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
MAX_FIRST_LOAD_BYTES = 150 * 1024
RUNS = 3


# Whose cookie Lighthouse sends: none, a visitor's whose cart holds a hoodie, or a logged-in admin's.
Cookie = Literal["", "cart", "staff"]
COOKIE_OF: dict[str, Cookie] = {"visitor": "cart", "staff": "staff"}  # the walk's audience → its cookie


@dataclass(frozen=True)
class LighthousePage:
    name: str
    path: str
    indexable: bool  # SEO's budget applies
    cookie: Cookie = ""

    @property
    def staff(self) -> bool:
        """A staff page: behind login and noindex, used on a desktop at work rather than by shoppers on a
        phone, so only accessibility and best practices are budgeted; performance, SEO and the bytes are
        reported."""
        return self.cookie == "staff"

    def budgeted(self) -> tuple[str, ...]:
        if self.staff:
            return ("accessibility", "best-practices")
        return tuple(c for c in CATEGORIES if c != "seo" or self.indexable)


@dataclass
class LighthouseResult:
    page: LighthousePage
    scores: dict[str, float]
    first_load_bytes: int
    failed_audits: list[str]
    runs: list[dict[str, Any]] = field(default_factory=list)

    def misses(self) -> list[str]:
        name, scores = self.page.name, self.scores
        missed = [f"{name}: {c} {scores[c]:.2f} < 1.0" for c in self.page.budgeted() if scores[c] < 1.0]
        if not self.page.staff and self.first_load_bytes >= MAX_FIRST_LOAD_BYTES:
            missed.append(f"{name}: {self.first_load_bytes / 1024:.1f} KB on first load ≥ 150 KB")
        return missed


@dataclass
class AxeResult:
    endpoint: str
    path: str
    violations: dict[str, int]  # viewport → count; -1: the page did not open as itself
    rules: dict[str, list[str]]


def lighthouse_pages(samples: dict[str, str]) -> list[LighthousePage]:
    return [
        LighthousePage("home", "/", True),
        LighthousePage("catalog", "/products", True),
        LighthousePage("product", f"/products/{samples['product_slug']}", True),
        LighthousePage("guide page", f"/guides/{samples['guide_slug']}", True),
        LighthousePage("cart (1 item)", "/cart", False, cookie="cart"),
        LighthousePage("article", f"/journal/{samples['article_slug']}", True),
        LighthousePage("admin dashboard", "/admin/", False, cookie="staff"),
        LighthousePage("admin sales report", "/admin/reports/sales", False, cookie="staff"),
    ]


# --- the shop ---------------------------------------------------------------------------------------


def shop_env(database_url: str, scratch: Path) -> dict[str, str]:
    """Production settings, a throwaway secret, nothing written into instance/."""
    dropped = {"DATABASE_URL", "REDIS_URL", "FLASK_APP", "FLASK_DEBUG"}
    env = {key: value for key, value in os.environ.items() if key not in dropped}
    env.update(
        APP_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        ALLOW_SQLITE_IN_PRODUCTION="1",
        ALLOW_DEV_PAYMENTS="1",  # the sample orders are paid and refunded through the development provider
        SHOP_BASE_URL="https://shop.audit.example",
        TRUSTED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        GUIDE_STORAGE_DIR=str(scratch / "guides"),
        MEDIA_STORAGE_DIR=str(scratch / "media"),
        MAIL_FILE_PATH=str(scratch / "outbox"),
        LOG_LEVEL="WARNING",
    )
    return env


def seed_samples_here() -> None:
    """Run in a process with the shop's environment: seed the sample data, print its values as JSON."""
    from shop import create_app
    from tests.e2e.site_pages import seed_samples

    print(json.dumps(seed_samples(create_app())))


# --- Lighthouse -------------------------------------------------------------------------------------


def run_lighthouse(url: str, out: Path, cookie: str | None) -> dict[str, Any]:
    flags = "--headless=new --no-sandbox --disable-gpu --disable-background-networking"
    flags += " --disable-component-update --disable-sync --no-first-run"
    command = ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}"]
    command += [f"--only-categories={','.join(CATEGORIES)}", f"--chrome-flags={flags}"]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    if PORT_RANGE:  # Chromium's debugging port too keeps to the range the servers were given
        command.append(f"--port={free_port()}")
    completed = subprocess.run(
        command, env=dict(os.environ, CHROME_PATH=CHROMIUM), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0 or not out.exists():
        raise RuntimeError(f"lighthouse failed on {url}:\n{completed.stdout}{completed.stderr}")
    report = json.loads(out.read_text())
    run: dict[str, Any] = {c: report["categories"][c]["score"] or 0.0 for c in CATEGORIES}
    run["bytes"] = int(report["audits"]["total-byte-weight"]["numericValue"])
    # The scored audits that failed (under 0.9, Lighthouse's pass mark), so a missed budget says why.
    run["failed"] = sorted(
        {
            ref["id"]
            for category in CATEGORIES
            for ref in report["categories"][category]["auditRefs"]
            if ref["weight"] and (report["audits"][ref["id"]].get("score") or 0) < 0.9
            if report["audits"][ref["id"]].get("scoreDisplayMode") in ("binary", "numeric")
        }
    )
    return run


def audit_with_lighthouse(
    base_url: str, pages: list[LighthousePage], cookies: dict[Cookie, str], scratch: Path
) -> list[LighthouseResult]:
    results = []
    for target in pages:
        runs: list[dict[str, Any]] = []
        reports: list[Path] = []
        # A page whose performance is not budgeted needs one run: the other scores do not move with load.
        enough = 1.0 if "performance" in target.budgeted() else 0.0
        # Lighthouse now and then fails to record a trace on a busy machine (NO_NAVSTART): such an
        # attempt is retried, up to RUNS more times, and is no score.
        for attempt in range(2 * RUNS):
            if len(runs) == RUNS or (runs and runs[-1]["performance"] >= enough):
                break
            out = scratch / f"lh-{len(results)}-{attempt}.json"
            try:
                run = run_lighthouse(base_url + target.path, out, cookies.get(target.cookie))
            except RuntimeError as error:
                print(f"  {target.name}: attempt {attempt + 1} failed, retrying: {error}", flush=True)
                continue
            runs.append(run)
            reports.append(out)
            print(f"  {target.name}: run {len(runs)}: {json.dumps(run)}", flush=True)
        if not runs:
            raise RuntimeError(f"Lighthouse failed {2 * RUNS} times on {target.path}")
        best = max(runs, key=lambda run: run["performance"])
        # Keep the counted run's full report beside latest.json (open it in the Lighthouse viewer).
        slug = "".join(c if c.isalnum() else "-" for c in target.name).strip("-")
        shutil.copy(reports[runs.index(best)], RESULTS_DIR / f"lighthouse-{slug}.json")
        results.append(
            LighthouseResult(
                target,
                {c: float(best[c]) for c in CATEGORIES},
                int(best["bytes"]),
                best["failed"],
                runs,
            )
        )
    return results


# --- axe ---------------------------------------------------------------------------------------------


def audit_with_axe(base_url: str, samples: dict[str, str]) -> tuple[list[AxeResult], dict[Cookie, str]]:
    """axe-core on every page at both sizes; also returns the cookies of the visitor whose cart holds a
    hoodie and of the logged-in admin (desktop tabs), for Lighthouse."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM_ARGS
    from tests.e2e.shopper import axe_violations
    from tests.e2e.site_pages import AUDIENCES, PAGES, open_tab

    results = {page.endpoint: AxeResult(page.endpoint, page.path(samples), {}, {}) for page in PAGES}
    cookies: dict[Cookie, str] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for viewport in ("desktop", "phone"):
            for audience in AUDIENCES:
                tab = open_tab(browser, base_url, viewport, audience)
                kept = COOKIE_OF.get(audience)
                if kept and kept not in cookies:
                    jar = tab.context.cookies()
                    cookies[kept] = "; ".join(f"{cookie['name']}={cookie['value']}" for cookie in jar)
                for site_page in (page for page in PAGES if page.audience == audience):
                    result = results[site_page.endpoint]
                    response = tab.goto(result.path)
                    opened = response is not None and response.status == 200
                    if not opened or not tab.url.split("?")[0].endswith(result.path.split("?")[0]):
                        result.violations[viewport] = -1
                        continue
                    violations = axe_violations(tab)
                    result.violations[viewport] = len(violations)
                    result.rules[viewport] = [violation["id"] for violation in violations]
                tab.context.close()
        browser.close()
    return list(results.values()), cookies


# --- the report ---------------------------------------------------------------------------------------


def lighthouse_table(results: list[LighthouseResult]) -> str:
    lines = [
        "| page | performance | accessibility | best practices | SEO | first load | audits failed |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        page = result.page
        scores = [f"{round(result.scores[c] * 100)}" for c in CATEGORIES]
        kilobytes = f"{result.first_load_bytes / 1024:.1f} KB"
        if page.staff:
            scores[0] += " (staff page: not budgeted)"
            scores[3] += " (noindex, behind login: not budgeted)"
            kilobytes += " (not budgeted)"
        elif not page.indexable:
            scores[3] += " (not indexed)"
        failed = ", ".join(result.failed_audits) or "–"
        lines.append(f"| {page.name} `{page.path}` | {' | '.join(scores)} | {kilobytes} | {failed} |")
    return "\n".join(lines)


def axe_table(results: list[AxeResult]) -> str:
    def cell(result: AxeResult, viewport: str) -> str:
        count = result.violations.get(viewport)
        if count is None or count < 0:
            return "did not open"
        return str(count) if not count else f"**{count}** ({', '.join(result.rules[viewport])})"

    lines = ["| page | desktop | 360 px |", "|---|---|---|"]
    lines += [f"| `{r.endpoint}` | {cell(r, 'desktop')} | {cell(r, 'phone')} |" for r in results]
    return "\n".join(lines)


def axe_misses(results: list[AxeResult]) -> list[str]:
    return [
        f"axe: {result.endpoint} at {viewport}: "
        + ("did not open" if count < 0 else f"{count} violation(s) {result.rules[viewport]}")
        for result in results
        for viewport, count in result.violations.items()
        if count != 0
    ]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--seed-samples", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.seed_samples:
        seed_samples_here()
        return 0
    if not LIGHTHOUSE.exists():
        print(f"Lighthouse is missing: run `npm ci --prefix {AUDIT_DIR}` (make audit does)", file=sys.stderr)
        return 2
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (ROOT_DIR / "bench" / "results").mkdir(exist_ok=True)  # where gunicorn's log goes, as for `make bench`
    started = time.monotonic()
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="shop-audit-")))
        env = shop_env(f"sqlite:///{scratch / 'shop.sqlite3'}", scratch)
        print("Preparing the shop database (SQLite, demo data) …", flush=True)
        flask_cli = [PYTHON, "-m", "flask", "--app", "wsgi"]
        run_checked([*flask_cli, "db", "upgrade"], cwd=ROOT_DIR, env=env)
        run_checked([*flask_cli, "shop", "seed"], cwd=ROOT_DIR, env=env)
        seeded = subprocess.run(
            [PYTHON, str(Path(__file__).resolve()), "--seed-samples"],
            cwd=ROOT_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        samples = json.loads(seeded.stdout.strip().splitlines()[-1])
        server = stack.enter_context(
            gunicorn("audit", "wsgi:app", workers=args.workers, cwd=ROOT_DIR, env=env)
        )
        wait_until_up(server, "/")
        print(f"Shop up at {server.base_url} (APP_ENV=production, gunicorn {args.workers} sync workers)")

        print("axe-core on every page, desktop and 360 px …", flush=True)
        axe_results, cookies = audit_with_axe(server.base_url, samples)
        print(f"Lighthouse (mobile), up to {RUNS} runs per page, best performance counts …", flush=True)
        lighthouse_results = audit_with_lighthouse(
            server.base_url, lighthouse_pages(samples), cookies, scratch
        )

    misses = [miss for result in lighthouse_results for miss in result.misses()] + axe_misses(axe_results)
    (RESULTS_DIR / "latest.json").write_text(
        json.dumps(
            {
                "lighthouse": [asdict(result) for result in lighthouse_results],
                "axe": [asdict(result) for result in axe_results],
                "misses": misses,
                "load_average": os.getloadavg(),
            },
            indent=2,
        )
    )
    print()
    print("Lighthouse 12.2.3, mobile defaults, best of up to 3 runs (first load = bytes transferred):")
    print(lighthouse_table(lighthouse_results))
    print()
    print("axe-core violations per page (every HTML GET route; see tests/e2e/site_pages.py):")
    print(axe_table(axe_results))
    print()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    took = time.monotonic() - started
    print(f"Took {took:.0f} s; load average {load}. Details: {RESULTS_DIR / 'latest.json'}")
    if misses:
        print(f"\n{len(misses)} budget(s) missed:\n  " + "\n  ".join(misses))
        return 1
    print("\nEvery budget met.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
