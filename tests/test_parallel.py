"""parallel.ordered_map: results in order, and workers that finish even under serve's signal handlers."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from briefkit.parallel import MIN_ITEMS, ordered_map


def test_results_come_back_in_input_order() -> None:
    items = list(range(MIN_ITEMS * 2 + 7))
    assert ordered_map(lambda x: x * x, items) == [x * x for x in items]


def test_workers_stop_when_the_parent_has_its_own_sigterm_handler() -> None:
    # serve installs a SIGTERM handler that only stops its event loop; forked workers that kept it
    # ignored Pool.terminate(), and the build waited for them for ever
    script = textwrap.dedent(f"""
        import signal, threading
        from briefkit.parallel import ordered_map
        signal.signal(signal.SIGTERM, lambda *_: None)
        out = []
        items = list(range({MIN_ITEMS * 3}))
        t = threading.Thread(target=lambda: out.extend(ordered_map(abs, items) for _ in range(30)))
        t.start(); t.join()
        print(sum(len(o) for o in out))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(MIN_ITEMS * 3 * 30)
