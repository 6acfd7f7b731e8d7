"""Where a gunicorn worker's CPU goes per single submission: sampled, in the real server.

cProfile cannot follow gevent: every greenlet switch leaves its frames half-open, and the
times land on whatever function was running when the hub switched. This samples the stack
instead: a `sitecustomize` put first on the server's path arms `ITIMER_PROF` in each gunicorn
worker (after the fork), which interrupts it every `--interval` ms of its CPU time (process
time, not wall time) and counts the current greenlet's stack; each worker writes its counts when
it exits. The load is `bench/ingest.py`'s single-submission phase; then it prints, for the
frames named with `--under`, what share of the samples each callee took.

Usage: `python bench/profile_worker.py [--seconds 20] [--tokens 0] [--under handle_request]`
(docs/benchmarks.md "Production wave (issue 29)").
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.ingest import (  # noqa: E402
    PROFILER_PATH,
    bench_singles,
    enumerator_tokens,
    prepare,
    running_service,
)

SAMPLER = """
import os, sys
if "gunicorn" in " ".join(sys.argv):
    def _arm():
        import atexit, collections, pickle, signal
        counts = collections.Counter()
        def sample(signum, frame):
            stack = []
            while frame is not None:
                code = frame.f_code
                name = code.co_filename.split("site-packages/")[-1].replace(HERE, "")
                stack.append(f"{name}:{code.co_firstlineno}({code.co_name})")
                frame = frame.f_back
            counts[tuple(reversed(stack))] += 1
        signal.signal(signal.SIGPROF, sample)
        signal.setitimer(signal.ITIMER_PROF, INTERVAL, INTERVAL)
        def dump():
            signal.setitimer(signal.ITIMER_PROF, 0, 0)
            with open(os.path.join(OUT, f"worker-{os.getpid()}.samples"), "wb") as out:
                pickle.dump(dict(counts), out)
        atexit.register(dump)
    os.register_at_fork(after_in_child=_arm)
"""

Stacks = Counter[tuple[str, ...]]


def sampled(seconds: float, clients: int, tokens: int, interval_ms: float) -> Stacks:
    """The workers' stack samples over a single-submission phase of `seconds`."""
    with tempfile.TemporaryDirectory(prefix="profile-worker-") as folder:
        code = (
            SAMPLER.replace("INTERVAL", repr(interval_ms / 1000))
            .replace("OUT", repr(folder))
            .replace("HERE", repr(f"{ROOT}/"))
        )
        Path(folder, "sitecustomize.py").write_text(code)
        os.environ[PROFILER_PATH] = folder
        with running_service(2, 8) as (port, admin, pid):
            token = prepare(port, admin)
            shared = [token] if tokens == 1 else []
            shared += enumerator_tokens(port, admin, (tokens or clients) - len(shared))
            bench_singles(port, shared, clients, seconds, pid)
        stacks: Stacks = Counter()
        for path in Path(folder).glob("worker-*.samples"):
            stacks.update(pickle.loads(path.read_bytes()))
    return stacks


def callees(stacks: Stacks, under: str, depth: int) -> Counter[tuple[str, ...]]:
    """Samples by the `depth` frames called below the first frame whose name has `under`."""
    found: Counter[tuple[str, ...]] = Counter()
    for stack, count in stacks.items():
        for index, frame in enumerate(stack):
            if under in frame:
                found[stack[index + 1 : index + 1 + depth] or ("(itself)",)] += count
                break
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=0, help="0: one enumerator token each")
    parser.add_argument("--interval", type=float, default=0.5, help="ms of CPU between samples")
    parser.add_argument("--under", action="append", help="frames to open (default: a few)")
    parser.add_argument("--depth", type=int, default=1)
    args = parser.parse_args(argv)
    stacks = sampled(args.seconds, args.clients, args.tokens, args.interval)
    # the submissions only: not the tokens issued before, nor the workers' imports
    stacks = Counter(
        {
            stack: count
            for stack, count in stacks.items()
            if not any("tokens/routes.py" in frame or "_bootstrap" in frame for frame in stack)
        }
    )
    total = sum(stacks.values())
    print(f"{total} samples of {args.interval:g} ms of worker CPU")
    for under in args.under or [
        "base_async.py:38(handle)",
        "flask/app.py:904(full_dispatch_request)",
        "flask/app.py:1271(preprocess_request)",
        "flask/app.py:1298(process_response)",
        "submissions/routes.py:82(post)",
        "submissions/ingest.py:216(insert)",
    ]:
        print(f"\n== under {under}")
        for frames, count in callees(stacks, under, args.depth).most_common(12):
            print(f"{100 * count / total:5.1f} %  {' > '.join(frames)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
