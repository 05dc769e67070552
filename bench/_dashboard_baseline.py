"""The baseline of bench/dashboard.py: every figure of reports.figures as the hand-written SQL aggregate a careful
engineer would write, through a raw cursor, with no ORM.

Each figure is one statement counting its records per window and per group (community or grid): the windows
are a relation `w(s, e, d, i)` (start, end, local date of the last instant, number) joined by time, so the same
statement gives one day's figure or a trend of 28 report days. The six push-list outcomes are one statement
grouped by outcome. Definitions follow the docstrings of reports.figures and of the apps' QuerySet methods
(households screened: a reached or vacant call; a stock at the window's end read from opening and closing
times; a fever: a follow-up with is_fever; overdue: due before end minus the grace, window still open, not
done and the case not closed at the end...). The benchmark fails if any number differs from ours.
The reopening, publicity, disinfection and supplies figures follow figures_reopening.py, figures_publicity.py
and figures_sanitation.py; the benchmark's street has none of their rows (0 on both sides), so for them the
check says that the SQL runs, and the raw recompute test (reports/tests) checks their definitions.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings

OUTCOMES = ("screened", "wrong_info", "missed", "not_living_here", "past_window", "passed_through")
_W = "unnest(%(starts)s::timestamptz[], %(ends)s::timestamptz[], %(days)s::date[]) WITH ORDINALITY AS w(s, e, d, i)"
_CAMPAIGN_OPEN = "AND cp.start_date <= w.d AND (cp.end_date IS NULL OR cp.end_date >= w.d)"
_GATE = "JOIN gates_gate g ON g.id = {t}.gate_id JOIN gates_enclosure en ON en.id = g.enclosure_id"
_SCREENED = """
SELECT w.i, {g}, count(DISTINCT h.id) FROM W
JOIN screening_attempt a ON {when} JOIN screening_campaign cp ON cp.id = a.campaign_id {campaign}
JOIN registry_household h ON h.id = a.household_id
WHERE a.outcome IN ('reached', 'vacant') AND cp.community_id = ANY(%(c)s) AND h.community_id = ANY(%(c)s)
GROUP BY 1, 2"""
_PERSONS = """
SELECT w.i, {g}, count(DISTINCT r.id) FROM W
JOIN screening_attempt a ON {when} JOIN screening_campaign cp ON cp.id = a.campaign_id {campaign}
JOIN screening_answer an ON an.attempt_id = a.id JOIN registry_resident r ON r.id = an.resident_id
JOIN registry_household h ON h.id = r.household_id
WHERE cp.community_id = ANY(%(c)s) AND h.community_id = ANY(%(c)s)
GROUP BY 1, 2"""
_KEY = "SELECT w.i, {g}, count(*) FROM W JOIN screening_keyperson k ON {when} WHERE k.community_id = ANY(%(c)s) GROUP BY 1, 2"
_CASES = "SELECT w.i, {g}, count(*) FROM W JOIN observation_observationcase c ON {when} WHERE c.community_id = ANY(%(c)s) GROUP BY 1, 2"
_SLOTS = """
SELECT w.i, {g}, count(*) FROM W JOIN observation_followupslot s ON {when}
JOIN observation_observationcase c ON c.id = s.case_id {case} WHERE c.community_id = ANY(%(c)s) GROUP BY 1, 2"""
_VISITORS = f"""
SELECT w.i, {{g}}, count(*) FROM W JOIN visitors_registration r ON r.created_at >= w.s AND r.created_at < w.e
{_GATE.format(t="r")} WHERE en.community_id = ANY(%(c)s) {{more}} GROUP BY 1, 2"""
_GATE_LOG = f"""
SELECT w.i, {{g}}, count(*) FROM W JOIN gates_gatelogentry l ON l.at >= w.s AND l.at < w.e
{_GATE.format(t="l")} WHERE en.community_id = ANY(%(c)s) AND {{more}} GROUP BY 1, 2"""
_ON_DUTY = """EXISTS (SELECT 1 FROM gates_shift sh WHERE sh.gate_id = g.id AND sh.starts_at <= w.e AND sh.ends_at > w.e
                 AND EXISTS (SELECT 1 FROM gates_shiftmember m WHERE m.shift_id = sh.id))"""
_GATES = """
SELECT w.i, {g}, count(*) FROM W CROSS JOIN gates_gate g JOIN gates_enclosure en ON en.id = g.enclosure_id
WHERE en.community_id = ANY(%(c)s) AND g.state <> 'closed' {more} GROUP BY 1, 2"""

# Publicity: a building reached by a material in use on the window's last day (a floor posted, a sending in
# the building or to its group) before the window's end; supplies: the stock summed from the moves.
_IN_USE = "AND m.start_date <= w.d AND (m.end_date IS NULL OR m.end_date >= w.d)"
_REACHED = f"""(EXISTS (SELECT 1 FROM publicity_floorposting fp JOIN publicity_postingsheet ps ON ps.id = fp.sheet_id
  JOIN publicity_material m ON m.id = ps.material_id WHERE ps.building_id = b.id AND fp.posted_at < w.e {_IN_USE})
 OR EXISTS (SELECT 1 FROM publicity_distribution d JOIN publicity_material m ON m.id = d.material_id
  LEFT JOIN publicity_channel ch ON ch.id = d.channel_id
  WHERE (d.building_id = b.id OR ch.building_id = b.id) AND d.at < w.e {_IN_USE}))"""
_BUILDINGS = """
SELECT w.i, {{g}}, count(*) FROM W CROSS JOIN registry_building b JOIN registry_alley al ON al.id = b.alley_id
JOIN registry_grid gr ON gr.id = al.grid_id WHERE gr.community_id = ANY(%(c)s) AND {which} GROUP BY 1, 2"""
_STOCK = "COALESCE((SELECT sum(mv.quantity) FROM supplies_stockmove mv WHERE mv.item_id = it.id AND mv.at < w.e), 0)"
_USED = (
    "COALESCE(-(SELECT sum(mv.quantity) FROM supplies_stockmove mv WHERE mv.item_id = it.id AND mv.at < w.e"
    " AND mv.at >= w.e - interval '7 days'"
    " AND mv.kind IN ('to_gate', 'to_cleaner', 'to_household', 'to_volunteer', 'disinfection')), 0)"
)
_ITEMS = """
SELECT w.i, {g}, count(*) FROM W JOIN supplies_supplyitem it ON it.created_at < w.e
WHERE it.community_id = ANY(%(c)s) AND {more} GROUP BY 1, 2"""

FLOW = "{t} >= w.s AND {t} < w.e"  # a flow: in the window
STOCK = "{t} < w.e"  # a stock or a total: before the window's end


def _by(table: str, sql: str, *, grid: bool = True, **parts: str) -> tuple[str, str, str | None]:
    """A statement with its parts filled in ({g}, the group column, stays), and its group columns."""
    for name, part in parts.items():
        sql = sql.replace("{" + name + "}", part)
    return sql, f"{table}.community_id", f"{table}.grid_id" if grid else None


def _case(when: str) -> tuple[str, str, str | None]:
    return _by("c", _CASES, when=when)


# key: (statement, community column, grid column or None: a figure of the community only)
SQL: dict[str, tuple[str, str, str | None]] = {
    "households_registered": _by(
        "h",
        "SELECT w.i, {g}, count(*) FROM W JOIN registry_household h ON h.created_at < w.e"
        " WHERE h.community_id = ANY(%(c)s) GROUP BY 1, 2",
    ),
    "households_screened": _by("h", _SCREENED, when=FLOW.format(t="a.at"), campaign=""),
    "households_screened_total": _by("h", _SCREENED, when=STOCK.format(t="a.at"), campaign=_CAMPAIGN_OPEN),
    "persons_screened": _by("h", _PERSONS, when=FLOW.format(t="a.at"), campaign=""),
    "persons_screened_total": _by("h", _PERSONS, when=STOCK.format(t="a.at"), campaign=_CAMPAIGN_OPEN),
    "key_persons_new": _by("k", _KEY, when=FLOW.format(t="k.created_at")),
    "key_persons_total": _by("k", _KEY, when=STOCK.format(t="k.created_at")),
    "observation_current": _case("c.opened_at < w.e AND (c.closed_at IS NULL OR c.closed_at >= w.e)"),
    "observation_opened": _case(FLOW.format(t="c.opened_at")),
    "observation_opened_total": _case(STOCK.format(t="c.opened_at")),
    "observation_released": _case("c.status = 'released' AND " + FLOW.format(t="c.closed_at")),
    "observation_released_total": _case("c.status = 'released' AND " + STOCK.format(t="c.closed_at")),
    "observation_transferred": _case("c.status = 'transferred' AND " + FLOW.format(t="c.closed_at")),
    "fevers_found": _by(
        "c",
        "SELECT w.i, {g}, count(DISTINCT c.id) FROM W"
        " JOIN observation_followup f ON f.is_fever AND f.recorded_at >= w.s AND f.recorded_at < w.e"
        " JOIN observation_observationcase c ON c.id = f.case_id WHERE c.community_id = ANY(%(c)s) GROUP BY 1, 2",
    ),
    "fevers_escalated": _case(FLOW.format(t="c.escalated_at")),
    "followups_overdue": _by(
        "c",
        _SLOTS,
        when="s.due_at <= w.e - %(grace)s AND s.closes_at > w.e AND (s.done_at IS NULL OR s.done_at >= w.e)",
        case="AND (c.closed_at IS NULL OR c.closed_at >= w.e)",
    ),
    "followups_missed": _by(
        "c",
        _SLOTS,
        when=FLOW.format(t="s.closes_at") + " AND (s.done_at IS NULL OR s.done_at >= s.closes_at)",
        case="",
    ),
    "pushlist_received": _by(
        "p",
        "SELECT w.i, {g}, count(*) FROM W JOIN pushlist_pushbatch b ON b.imported_at >= w.s AND b.imported_at < w.e"
        " JOIN pushlist_pushedperson p ON p.batch_id = b.id WHERE p.community_id = ANY(%(c)s) GROUP BY 1, 2",
    ),
    "local_not_on_push_list": _by(
        "k",
        "SELECT w.i, {g}, count(*) FROM W JOIN screening_keyperson k ON k.created_at < w.e"
        " WHERE k.community_id = ANY(%(c)s) AND NOT EXISTS (SELECT 1 FROM pushlist_pushedperson p"
        " JOIN pushlist_pushbatch b ON b.id = p.batch_id WHERE p.key_person_id = k.id AND b.imported_at < w.e)"
        " GROUP BY 1, 2",
    ),
    "visitors_registered": _by("en", _VISITORS, grid=False, more=""),
    "visitors_from_key_area": _by("en", _VISITORS, grid=False, more="AND r.key_area_names <> ''"),
    "gate_entries": _by(
        "en", _GATE_LOG, grid=False, more="l.direction = 'in' AND l.flags NOT LIKE '%% kept_outside %%'"
    ),
    "gate_turned_back": _by("en", _GATE_LOG, grid=False, more="l.flags LIKE '%% kept_outside %%'"),
    "gates_in_service": _by("en", _GATES, grid=False, more=""),
    "gates_staffed": _by("en", _GATES, grid=False, more=f"AND {_ON_DUTY}"),
    "gates_unstaffed": _by("en", _GATES, grid=False, more=f"AND NOT {_ON_DUTY}"),
}
_OF_ENTERPRISE = (
    "JOIN reopening_enterprise e ON e.id = {t}.enterprise_id WHERE e.community_id = ANY(%(c)s) GROUP BY 1, 2"
)
_OPENINGS = (
    "SELECT w.i, {g}, count(*) FROM W JOIN reopening_application a ON a.status = 'approved'"
    " JOIN reopening_reopeningslot sl ON sl.id = a.slot_id AND {days} " + _OF_ENTERPRISE.format(t="a")
)
for _state in ("closed", "applying", "approved", "open", "suspended"):
    SQL[f"enterprises_{_state}"] = _by(
        "e",
        f"SELECT w.i, {{g}}, count(*) FROM W JOIN reopening_enterprise e ON e.state = '{_state}' AND e.created_at < w.e"
        " WHERE e.community_id = ANY(%(c)s) GROUP BY 1, 2",
    )
SQL |= {
    "reopening_applications_waiting": _by(
        "e",
        "SELECT w.i, {g}, count(*) FROM W JOIN reopening_application a ON a.submitted_at < w.e"
        " AND a.status IN ('submitted', 'under_review', 'inspected') " + _OF_ENTERPRISE.format(t="a"),
    ),
    "reopening_staff_blocking": _by(
        "e",
        "SELECT w.i, {g}, count(*) FROM W JOIN reopening_returningstaff p ON p.blocking AND p.created_at < w.e "
        + _OF_ENTERPRISE.format(t="p"),
    ),
    "reopening_openings_today": _by("e", _OPENINGS, days="sl.day = w.d"),
    "reopening_openings_week": _by("e", _OPENINGS, days="sl.day >= w.d AND sl.day <= w.d + 6"),
    "reopening_reports_missing": _by(
        "e",
        "SELECT w.i, {g}, count(*) FROM W JOIN reopening_enterprise e ON e.state = 'open' AND e.opened_on <= w.d"
        " WHERE e.community_id = ANY(%(c)s) AND NOT EXISTS (SELECT 1 FROM reopening_dailyreport r"
        " WHERE r.enterprise_id = e.id AND r.day = w.d AND r.submitted_at < w.e) GROUP BY 1, 2",
    ),
    "publicity_distributions": _by(
        "d",
        "SELECT w.i, {g}, count(*) FROM W JOIN publicity_distribution d ON d.at >= w.s AND d.at < w.e"
        " WHERE d.community_id = ANY(%(c)s) GROUP BY 1, 2",
        grid=False,
    ),
    "publicity_buildings_reached": (_BUILDINGS.format(which=_REACHED), "gr.community_id", "gr.id"),
    "publicity_buildings_not_reached": (
        _BUILDINGS.format(
            which=f"NOT {_REACHED} AND EXISTS (SELECT 1 FROM publicity_material m WHERE m.community_id = gr.community_id"
            f" {_IN_USE})"
        ),
        "gr.community_id",
        "gr.id",
    ),
    "disinfection_done": _by(
        "t",
        "SELECT w.i, {g}, count(*) FROM W JOIN sanitation_disinfectiontask t ON t.done_at >= w.s AND t.done_at < w.e"
        " WHERE t.community_id = ANY(%(c)s) GROUP BY 1, 2",
        grid=False,
    ),
    "disinfection_overdue": _by(
        "t",
        "SELECT w.i, {g}, count(*) FROM W JOIN sanitation_disinfectiontask t"
        " ON t.overdue_at >= w.s AND t.overdue_at < w.e AND (t.done_at IS NULL OR t.done_at > t.overdue_at)"
        " WHERE t.community_id = ANY(%(c)s) GROUP BY 1, 2",
        grid=False,
    ),
    "supplies_low": _by("it", _ITEMS, grid=False, more=f"{_STOCK} <= it.low_threshold"),
    "supplies_short": _by("it", _ITEMS, grid=False, more=f"{_USED} > 0 AND {_STOCK} < {_USED}"),
}
# The six outcomes in one statement: (window, outcome, group, n).
OUTCOMES_SQL = (
    "SELECT w.i, p.outcome, {g}, count(*) FROM W JOIN pushlist_pushedperson p"
    " ON p.outcome_at >= w.s AND p.outcome_at < w.e WHERE p.outcome <> '' AND p.community_id = ANY(%(c)s)"
    " GROUP BY 1, 2, 3"
)
OUTCOME_PATHS = ("p.community_id", "p.grid_id")
PER_GRID = {key for key, (_, _, grid) in SQL.items() if grid is not None} | {f"pushlist_{o}" for o in OUTCOMES}
ALL_KEYS = [*SQL, *(f"pushlist_{o}" for o in OUTCOMES)]


def _last_day(end: datetime):
    from zoneinfo import ZoneInfo

    return (end - timedelta(microseconds=1)).astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def count(cursor, keys, communities: list[int], windows: list[tuple[datetime, datetime]], by: str) -> dict:
    """{(key, window number from 0, group id): n} for the figures `keys` of `communities`, grouped by
    "community" or "grid" (per-grid figures only); a missing entry is 0."""
    params = {
        "c": communities,
        "starts": [s for s, _ in windows],
        "ends": [e for _, e in windows],
        "days": [_last_day(e) for _, e in windows],
        "grace": timedelta(minutes=settings.OBSERVATION_FOLLOWUP_GRACE_MINUTES),
    }
    found: dict = defaultdict(int)
    column = 1 if by == "grid" else 0
    outcomes = [k for k in keys if k.startswith("pushlist_") and k[9:] in OUTCOMES]
    for key in keys:
        if key in outcomes:
            continue
        sql, *paths = SQL[key]
        if paths[column] is None:
            continue
        cursor.execute(sql.replace("FROM W", f"FROM {_W}").format(g=paths[column]), params)
        for window, group, n in cursor.fetchall():
            if group is not None:
                found[(key, window - 1, group)] = n
    if outcomes:
        cursor.execute(OUTCOMES_SQL.replace("FROM W", f"FROM {_W}").format(g=OUTCOME_PATHS[column]), params)
        for window, outcome, group, n in cursor.fetchall():
            if group is not None and f"pushlist_{outcome}" in outcomes:
                found[(f"pushlist_{outcome}", window - 1, group)] = n
    return found
