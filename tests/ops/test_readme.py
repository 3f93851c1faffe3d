"""The README starts with the two commands and shows the state diagrams of the flows
as they are; CI runs the same command as a developer."""

from pathlib import Path

from workflows import diagram
from workflows.flows import AmiFlow, PrizeFlow

ROOT = Path(__file__).resolve().parents[2]


def readme():
    return (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_starts_with_the_two_commands():
    first_lines = readme().splitlines()[:6]
    assert "make run" in first_lines and "make test" in first_lines
    assert first_lines.index("make run") < first_lines.index("make test")


def test_readme_diagrams_match_the_flows():
    text = readme()
    for flow_class in (AmiFlow, PrizeFlow):
        assert f"```mermaid\n{diagram.mermaid(flow_class)}```" in text
    # Nothing else to regenerate: the whole README is up to date.
    assert diagram.update(text) == text


def test_diagram_lists_every_transition_of_the_flow():
    for flow_class in (AmiFlow, PrizeFlow):
        generated = diagram.mermaid(flow_class)
        for transitions in flow_class.state.get_transitions().values():
            for transition in transitions:
                for target in transition.declared_targets():
                    assert f"    {transition.source} --> {target}: {transition.slug}\n" in generated
    assert "in_consultation" in diagram.mermaid(AmiFlow)
    assert "in_consultation" not in diagram.mermaid(PrizeFlow)
    assert '    state "Awaiting decision" as awaiting_decision\n' in diagram.mermaid(PrizeFlow)


def test_ci_runs_make_test():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in script
    assert [line for line in script.splitlines() if line.startswith("make")] == ["make test"]
