"""CPU per page in one process, without HTTP: the steadiest comparison of the shop's pages with the bare ones.

Each app (the shop with production settings on a fresh seeded SQLite file, and bench/bare_app.py) runs in a
process of its own, which calls the WSGI app directly for each path as a visitor without cookies: 200
unmeasured requests, then `--requests` measured ones, timed with the process's CPU clock. No server, no
wrk and no network, so other busy processes on the machine disturb it far less than `bench/run.py`. Not
part of `make bench`; it asserts nothing.

    .venv/bin/python bench/cpu_per_page.py
    .venv/bin/python bench/cpu_per_page.py --shop-env ANONYMOUS_PAGE_CACHE=0
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import BENCH_DIR, PYTHON, ROOT_DIR, TARGETS, run_checked, shop_env


def measure_here(app_name: str, paths: list[str], requests: int) -> dict[str, float]:
    """In the child process: CPU ms per request for each path."""
    from werkzeug.test import EnvironBuilder

    if app_name == "shop":
        sys.path.insert(0, str(ROOT_DIR))
        from wsgi import app
    else:
        from bare_app import app
    results = {}
    for path in paths:
        base, _, query = path.partition("?")

        def call(base: str = base, query: str = query) -> None:
            environ = EnvironBuilder(path=base, query_string=query, base_url="http://127.0.0.1").get_environ()
            statuses: list[str] = []
            body = app.wsgi_app(environ, lambda status, headers, exc_info=None: statuses.append(status))
            b"".join(body)
            if not statuses[0].startswith("200"):
                raise SystemExit(f"{app_name} {base}?{query} answered {statuses[0]}")

        for _ in range(200):
            call()
        started = time.process_time()
        for _ in range(requests):
            call()
        results[path] = 1000 * (time.process_time() - started) / requests
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--requests", type=int, default=2000, help="measured requests per page (default 2000)"
    )
    parser.add_argument("--shop-env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--child", choices=("shop", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--paths", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_here(args.child, json.loads(args.paths), args.requests)))
        return 0

    with tempfile.TemporaryDirectory(prefix="shop-bench-cpu-") as folder:
        scratch = Path(folder)
        env = shop_env(
            argparse.Namespace(redis_url=None, shop_env=args.shop_env),
            f"sqlite:///{scratch / 'shop.sqlite3'}",
            scratch,
        )
        flask_cli = [PYTHON, "-m", "flask", "--app", "wsgi"]
        run_checked([*flask_cli, "db", "upgrade"], cwd=ROOT_DIR, env=env)
        run_checked([*flask_cli, "shop", "seed"], cwd=ROOT_DIR, env=env)
        bare_env = dict(os.environ, BARE_DATABASE_PATH=str(scratch / "bare.sqlite3"))
        results = {}
        for app_name, app_env, cwd in (("bare", bare_env, BENCH_DIR), ("shop", env, ROOT_DIR)):
            paths = sorted({t.path for t in TARGETS if t.app == app_name and not t.returning})
            command = [
                PYTHON,
                str(Path(__file__).resolve()),
                "--child",
                app_name,
                "--paths",
                json.dumps(paths),
            ]
            command += ["--requests", str(args.requests)]
            env_with_path = dict(app_env, PYTHONPATH=str(BENCH_DIR))
            output = subprocess.run(command, cwd=cwd, env=env_with_path, capture_output=True, text=True)
            if output.returncode != 0:
                print(output.stdout + output.stderr, file=sys.stderr)
                return 1
            results[app_name] = json.loads(output.stdout.strip().splitlines()[-1])

    bare_by_name = {t.name: results["bare"][t.path] for t in TARGETS if t.app == "bare"}
    print(f"CPU ms per request, in one process, no HTTP; load average {os.getloadavg()[0]:.2f}")
    if args.shop_env:
        print(f"shop env: {' '.join(args.shop_env)}")
    print(f"{'page':<18} {'path':<44} {'cpu ms':>7} {'vs':<13} {'× bare':>7}")
    for target in TARGETS:
        if target.returning:
            continue
        cpu = results[target.app][target.path]
        vs = "" if target.app == "bare" else target.baseline
        ratio = bare_by_name[target.baseline] / cpu
        print(f"{target.name:<18} {target.path:<44} {cpu:>7.2f} {vs:<13} {ratio:>6.2f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
