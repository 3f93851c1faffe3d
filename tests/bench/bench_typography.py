"""Cost of the typography applied to every HTML page (``config.typography``, run by
``TypographyMiddleware`` on each French or English page): the time to typeset pages
of the size the back office serves, a list of N dossiers in a table.

    python tests/bench/bench_typography.py [--rows 50 200 1000] [--repeat 30]
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from config.typography import html  # noqa: E402
from tests.bench._common import say  # noqa: E402

ROW = (
    '<tr><td><a href="/gestion/dossiers/{n}/">AMI-2026-{n:04d}</a></td>'
    "<td>Bus des droits : une tournée « hebdomadaire » n°{n}</td>"
    '<td>Association Les Amis du Quartier<br><span class="meta">Association</span></td>'
    '<td><span class="state">Déposé</span></td><td class="staff-amount">12 500,00 €</td>'
    '<td><time datetime="2027-03-01T10:00:00+01:00">1 mars 2027 à 10 h 00</time></td></tr>\n'
)


def page(rows: int) -> str:
    body = "".join(ROW.format(n=n) for n in range(rows))
    return (
        '<!DOCTYPE html><html lang="fr"><head><title>Dossiers</title>'
        "<style>td { padding: 0 }</style></head><body><main><h1>Dossiers : la liste</h1>"
        f'<table class="dossiers"><tbody>{body}</tbody></table>'
        '<textarea name="note">Motif : gardé tel quel</textarea></main></body></html>'
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    say("| rows | page (KiB) | median (ms) | fastest (ms) | µs per KiB |")
    say("|---:|---:|---:|---:|---:|")
    for rows in args.rows:
        markup = page(rows)
        timings = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            html(markup, "fr")
            timings.append((time.perf_counter() - start) * 1000)
        kib = len(markup.encode()) / 1024
        median = statistics.median(timings)
        say(
            f"| {rows} | {kib:.0f} | {median:.2f} | {min(timings):.2f} "
            f"| {median * 1000 / kib:.0f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
