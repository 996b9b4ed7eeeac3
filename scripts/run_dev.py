"""`make run`: the development web server and the email worker, side by side, as one command.

Ctrl-C, SIGTERM or SIGHUP stops both (the worker finishes the email in hand). When either stops on
its own (the port is taken, a crash), the other is stopped too and the exit code says what happened.
Standard library only, so it works on a fresh machine with just Python and make.
"""

import argparse
import signal
import subprocess
import sys
import time
from types import FrameType

FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
# Longer than one SMTP step can take in development, so the worker finishes the email in hand.
GRACE_SECONDS = 15


def stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + GRACE_SECONDS
    for name, process in processes.items():
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            print(f"run_dev: the {name} did not stop within {GRACE_SECONDS} s; killing it", file=sys.stderr)
            process.kill()
            process.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default="5000")
    args = parser.parse_args()

    signalled: list[int] = []

    def request_stop(signum: int, frame: FrameType | None) -> None:
        signalled.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)

    # Their own sessions: a Ctrl-C reaches only this process, which stops both children once, in order.
    processes = {
        "web server": subprocess.Popen(
            [*FLASK, "run", "--host", args.host, "--port", args.port], start_new_session=True
        ),
        "email worker": subprocess.Popen([*FLASK, "shop", "worker"], start_new_session=True),
    }
    while not signalled and all(process.poll() is None for process in processes.values()):
        time.sleep(0.2)

    exited = {name: process.returncode for name, process in processes.items() if process.poll() is not None}
    stop(processes)
    if signalled:
        return 0
    for name, code in exited.items():
        print(f"run_dev: the {name} stopped (exit code {code}); stopped the rest too", file=sys.stderr)
    return next(iter(exited.values())) or 1


if __name__ == "__main__":
    sys.exit(main())
