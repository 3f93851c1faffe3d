"""Mermaid state diagrams generated from the flow classes.

The README shows one diagram per dossier kind between ``<!-- diagram:ami -->`` /
``<!-- /diagram:ami -->`` markers (and likewise for ``prize``); a test checks that they
match the flows. To regenerate them::

    python -m workflows.diagram            # print the diagrams
    python -m workflows.diagram --write    # rewrite them in README.md
"""

import os
import re
import sys
from pathlib import Path

import django
from django.utils import translation

from .states import TERMINAL_STATES, DossierState

README = Path(__file__).resolve().parent.parent / "README.md"


def mermaid(flow_class) -> str:
    """A Mermaid ``stateDiagram-v2`` of the flow: every state it can reach, labelled,
    and one arrow per transition, named after the transition."""
    order = {state: position for position, state in enumerate(DossierState.values)}
    edges = set()
    for transitions in flow_class.state.get_transitions().values():
        for transition in transitions:
            for target in transition.declared_targets():
                edges.add((DossierState(transition.source), DossierState(target), transition.slug))
    edges = sorted(edges, key=lambda e: (order[e[0]], order[e[1]], e[2]))
    states = sorted({state for edge in edges for state in edge[:2]}, key=order.get)
    initial = DossierState(flow_class.state._default)

    lines = ["stateDiagram-v2"]
    with translation.override("en"):
        lines += [f'    state "{state.label}" as {state.value}' for state in states]
    lines.append(f"    [*] --> {initial.value}")
    lines += [f"    {source.value} --> {target.value}: {name}" for source, target, name in edges]
    lines += [f"    {state.value} --> [*]" for state in states if state in TERMINAL_STATES]
    return "\n".join(lines) + "\n"


def flows() -> dict:
    from .flows import FLOWS

    return FLOWS


def block(kind: str) -> str:
    """The README block of a dossier kind, markers included."""
    return f"<!-- diagram:{kind} -->\n```mermaid\n{mermaid(flows()[kind])}```\n<!-- /diagram:{kind} -->"


def update(text: str) -> str:
    """``text`` with every diagram block replaced by the generated one."""
    for kind in flows():
        pattern = re.compile(
            rf"<!-- diagram:{kind} -->.*?<!-- /diagram:{kind} -->", flags=re.DOTALL
        )
        text = pattern.sub(lambda _match, kind=kind: block(kind), text)
    return text


def main(argv=None) -> int:

    argv = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    if argv == ["--write"]:
        README.write_text(update(README.read_text(encoding="utf-8")), encoding="utf-8")
        print(f"Diagrams written in {README}.")
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    print("\n\n".join(block(kind) for kind in flows()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
