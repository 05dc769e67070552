"""Every action the code records has its label: the audit page shows 盘点更正库存, not supplies.correct, and its
filter (choices from ACTION_LABELS) can find it. The actions are read from the source: each literal that
reaches `record_event` or an audited export, directly, through a variable named `action`, or through a
function that takes an `action` and passes it on."""

import ast
from pathlib import Path

from alleykeeper.audit.models import ACTION_LABELS
from alleykeeper.maps.kinds import KINDS

PACKAGE = Path(__file__).resolve().parents[2]
RECORDERS = {"record_event", "audited_csv", "audited_xlsx"}


def _literals(node: ast.AST) -> list[str]:
    """The strings an expression can be: a literal, or either side of a conditional expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _literals(node.body) + _literals(node.orelse)
    return []


def _f_string(node: ast.AST) -> str | None:
    """`f"{kind.key}.geometry"` as "{}.geometry"; None for anything else."""
    if not isinstance(node, ast.JoinedStr):
        return None
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


def _modules() -> list[ast.Module]:
    return [
        ast.parse(path.read_text(encoding="utf-8"))
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]


def _action_positions(modules: list[ast.Module]) -> dict[str, int]:
    """Functions that take an `action` and pass it on (reopening's `_move`), with its position: their
    callers' literals are actions too. The recorders' own position is 1 (after the actor)."""
    positions = dict.fromkeys(RECORDERS, 1)
    for module in modules:
        for node in ast.walk(module):
            if isinstance(node, ast.FunctionDef) and node.name not in RECORDERS:
                names = [a.arg for a in node.args.args]
                if "action" in names:
                    positions[node.name] = names.index("action")
    return positions


def recorded_actions() -> tuple[set[str], set[str]]:
    """(literal actions, f-string patterns) of the production code."""
    modules = _modules()
    positions = _action_positions(modules)
    actions, patterns = set(), set()
    for module in modules:
        for node in ast.walk(module):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name not in positions:
                    continue
                passed = [k.value for k in node.keywords if k.arg == "action"]
                if len(node.args) > positions[name]:
                    passed.append(node.args[positions[name]])
                for value in passed:
                    actions.update(_literals(value))
                    if (pattern := _f_string(value)) is not None:
                        patterns.add(pattern)
            elif isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                if any(getattr(t, "id", None) == "action" for t in targets) and node.value is not None:
                    actions.update(a for a in _literals(node.value) if "." in a)
    return actions, patterns


def test_the_source_is_read():
    actions, patterns = recorded_actions()
    assert {"resident.create", "supplies.draw", "enterprise.update", "visitor.export"} <= actions
    assert {"application.approve", "application.return"} <= actions  # through reopening's _move
    assert len(actions) > 100 and "{}.geometry" in patterns


def test_every_recorded_action_has_a_label():
    actions, patterns = recorded_actions()
    wanted = actions | {p.format(key) for p in patterns if p == "{}.geometry" for key in KINDS}
    wanted |= {p.format(field) for p in patterns if p == "identity.reveal_{}" for field in ("doc", "phone")}
    assert {p for p in patterns if p not in ("{}.geometry", "identity.reveal_{}")} == set()
    assert sorted(wanted - ACTION_LABELS.keys()) == []
