"""Matching pushed people against the register and the key persons, set-based.

The community's residents and key persons are read once (a few queries) into dicts keyed by blind index,
name, full pinyin and initials; every pushed row is then matched in memory. Rules, in order:

1. the same ID number (blind index): certain;
2. the same phone (blind index): certain when the name agrees too, otherwise for review (families share
   phones);
3. the name, pinyin aware (spaces ignored, homophones and initials), weighed with the address on the list
   and the birth date: always for review, except name + address + birth date together.

Each candidate carries its rule, a reason in words and a confidence (0-100). At AUTO_ACCEPT or more the
best candidate is accepted on import; everything else waits for a worker in the review queue.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from alleykeeper.pushlist.columns import ReadRow
from alleykeeper.pushlist.models import MatchRule, MatchStatus
from alleykeeper.registry.models import Household, Resident, pinyin_keys
from alleykeeper.screening.models import KeyPerson

AUTO_ACCEPT = 90
KEEP_AT_LEAST = 35  # weaker candidates are noise, not help
MAX_CANDIDATES = 5
MAX_NAME_NAMESAKES = 3  # a name alone proposes someone only when it is this rare in the community

# Resident tuple fields, kept as plain tuples: 100,000 of them must stay small and fast. The sealed values
# come along so that a pushed ID or phone equal to the register's reuses its ciphertext.
R_ID, R_DOC, R_PHONE, R_NAME, R_PINYIN, R_INITIALS, R_BORN, R_HOUSEHOLD, R_GRID = range(9)
R_DOC_ENC, R_DOC_MASKED, R_PHONE_ENC, R_PHONE_MASKED = range(9, 13)
K_ID, K_RESIDENT, K_DOC, K_PHONE, K_NAME, K_HOUSEHOLD, K_GRID = range(7)


@dataclass(slots=True)
class Candidate:
    resident_id: int | None
    key_person_id: int | None
    household_id: int | None
    grid_id: int | None
    rule: str
    confidence: int
    reason: str
    status: str = MatchStatus.PENDING


@lru_cache(maxsize=200_000)
def name_keys(name: str) -> tuple[str, str]:
    """Full pinyin and initials, as the register stores them (names repeat: cached)."""
    return pinyin_keys(name)


@lru_cache(maxsize=100_000)
def _building_pattern(building: str) -> re.Pattern | None:
    number = re.search(r"\d+", building)
    if number is None:
        return None
    # "3号楼" on the register is "3栋", "3幢", "3号楼" or "3#" on lists written by others.
    return re.compile(rf"(?<!\d){number[0]}(号楼|号|栋|幢|#|座)")


@lru_cache(maxsize=100_000)
def _room_pattern(room: str) -> re.Pattern:
    return re.compile(rf"(?<!\d){re.escape(room)}(?!\d)")


def address_score(text: str, building: str, room: str) -> tuple[int, str]:
    """How well the list's address names the household: 25 building and room, 10 one of them."""
    if not text:
        return 0, ""
    compact = text.replace(" ", "")
    pattern = _building_pattern(building)
    building_hit = building in compact or bool(pattern and pattern.search(compact))
    room_hit = bool(room) and _room_pattern(room).search(compact) is not None
    if building_hit and room_hit:
        return 25, f"住址一致（{building}{room}）"
    if building_hit:
        return 10, f"楼栋一致（{building}）"
    if room_hit:
        return 5, f"房号一致（{room}）"
    return 0, ""


class Register:
    """The community's residents and key persons in memory, keyed for matching."""

    def __init__(self, community_id: int) -> None:
        self.community_id = community_id
        self.by_id: dict[int, tuple] = {}
        self.by_doc: dict[str, tuple] = {}
        self.by_phone: dict[str, list[tuple]] = defaultdict(list)
        self.by_name: dict[str, list[tuple]] = defaultdict(list)
        self.by_pinyin: dict[str, list[tuple]] = defaultdict(list)
        # By surname and initials: the initials rule only ever looks at namesakes with the same first
        # character, and at 100,000 residents three initials name hundreds of people.
        self.by_initials: dict[tuple[str, str], list[tuple]] = defaultdict(list)
        rows = Resident.objects.filter(household__community_id=community_id).values_list(
            "id",
            "doc_number_index",
            "phone_index",
            "name",
            "name_pinyin",
            "name_initials",
            "birth_date",
            "household_id",
            "household__grid_id",
            "doc_number_enc",
            "doc_number_masked",
            "phone_enc",
            "phone_masked",
        )
        # Bound once: this loop runs once per resident of the community.
        by_id, by_doc = self.by_id, self.by_doc
        by_phone, by_name, by_pinyin, by_initials = self.by_phone, self.by_name, self.by_pinyin, self.by_initials
        for row in rows.iterator(chunk_size=5000):
            by_id[row[R_ID]] = row
            if row[R_DOC]:
                by_doc[row[R_DOC]] = row
            if row[R_PHONE]:
                by_phone[row[R_PHONE]].append(row)
            by_name[row[R_NAME]].append(row)
            if row[R_PINYIN]:
                by_pinyin[row[R_PINYIN]].append(row)
            if row[R_INITIALS]:
                by_initials[row[R_NAME][:1], row[R_INITIALS]].append(row)
        self.key_by_resident: dict[int, tuple] = {}
        self.key_by_doc: dict[str, tuple] = {}
        self.key_by_phone: dict[str, tuple] = {}
        self.key_by_name: dict[str, list[tuple]] = defaultdict(list)
        key_rows = KeyPerson.objects.filter(community_id=community_id).values_list(
            "id", "resident_id", "doc_number_index", "phone_index", "name", "household_id", "grid_id"
        )
        for row in key_rows.order_by("created_at"):  # the newest record wins a tie
            if row[K_RESIDENT]:
                self.key_by_resident[row[K_RESIDENT]] = row
            if row[K_DOC]:
                self.key_by_doc[row[K_DOC]] = row
            if row[K_PHONE]:
                self.key_by_phone[row[K_PHONE]] = row
            self.key_by_name[row[K_NAME]].append(row)
        self._addresses: dict[int, tuple[str, str]] | None = None

    def addresses(self) -> dict[int, tuple[str, str]]:
        """(building, room) of every household of the community, read once, when a name first needs it."""
        if self._addresses is None:
            self._addresses = {
                pk: (building, room)
                for pk, building, room in Household.objects.filter(community_id=self.community_id).values_list(
                    "pk", "building__name", "room"
                )
            }
        return self._addresses

    # -- the rules ---------------------------------------------------------------------------------

    def _resident_candidate(self, resident: tuple, rule: str, confidence: int, reason: str) -> Candidate:
        key = self.key_by_resident.get(resident[R_ID])
        return Candidate(
            resident[R_ID],
            key[K_ID] if key else None,
            resident[R_HOUSEHOLD],
            resident[R_GRID],
            rule,
            confidence,
            reason,
        )

    def _by_id(self, row: ReadRow) -> list[Candidate]:
        resident = self.by_doc.get(row.doc_index)
        if resident is not None:
            reason = "证件号码一致"
            if row.name and not _same_name(row.name, resident):
                reason += f"（名单姓名“{row.name}”与台账“{resident[R_NAME]}”不同，请留意）"
            return [self._resident_candidate(resident, MatchRule.ID, 100, reason)]
        key = self.key_by_doc.get(row.doc_index)
        if key is not None:
            return [
                Candidate(None, key[K_ID], key[K_HOUSEHOLD], key[K_GRID], MatchRule.ID, 100, "证件号码与重点人员一致")
            ]
        return []

    def _by_phone(self, row: ReadRow) -> list[Candidate]:
        found = []
        for resident in self.by_phone.get(row.phone_index, ()):
            if row.doc_index and resident[R_DOC] and resident[R_DOC] != row.doc_index:
                confidence, reason = 40, "电话一致，但证件号码不同"
            elif row.name and row.name == resident[R_NAME]:
                confidence, reason = 95, "电话一致，姓名一致"
            elif row.name and _same_name(row.name, resident):
                confidence, reason = 90, f"电话一致，姓名同音（台账为“{resident[R_NAME]}”）"
            else:
                confidence, reason = 60, f"电话一致，姓名不同（台账为“{resident[R_NAME]}”），可能是家人的号码"
            found.append(self._resident_candidate(resident, MatchRule.PHONE, confidence, reason))
        if not found:
            key = self.key_by_phone.get(row.phone_index)
            if key is not None:
                same = row.name == key[K_NAME]
                reason = "电话与重点人员一致" + ("，姓名一致" if same else f"，姓名不同（记录为“{key[K_NAME]}”）")
                found.append(
                    Candidate(
                        None, key[K_ID], key[K_HOUSEHOLD], key[K_GRID], MatchRule.PHONE, 95 if same else 60, reason
                    )
                )
        return found

    def _by_name(self, row: ReadRow) -> list[Candidate]:
        if not row.name:
            return []
        seen: set[int] = set()
        # (resident, confidence, reason): the reason is a template, filled in only for the candidates kept.
        pool: list[tuple[tuple, int, str]] = []
        for resident in self.by_name.get(row.name, ()):
            seen.add(resident[R_ID])
            pool.append((resident, 60, _SAME_NAME))
        if _CJK_NAME.fullmatch(row.name):
            full, initials = name_keys(row.name)
            for resident in self.by_pinyin.get(full, ()):
                if resident[R_ID] not in seen:
                    seen.add(resident[R_ID])
                    pool.append((resident, 50, _HOMOPHONE))
            if row.address and len(initials) >= 2:
                for resident in self.by_initials.get((row.name[:1], initials), ()):
                    if resident[R_ID] not in seen:
                        seen.add(resident[R_ID])
                        pool.append((resident, 30, _SAME_INITIALS))
        crowded = len(pool) > MAX_NAME_NAMESAKES
        if not pool or (not row.address and crowded):
            # A common name with no address to weigh proposes nobody (the loop below would drop them all).
            return self._key_by_name(row)
        addresses = self.addresses() if row.address else {}
        found = []
        for resident, confidence, reason in pool:
            rule, said = MatchRule.NAME, ""
            if row.address:
                building, room = addresses.get(resident[R_HOUSEHOLD], ("", ""))
                score, said = address_score(row.address, building, room)
                if score:
                    confidence += score
                    rule = MatchRule.NAME_ADDRESS
            if rule == MatchRule.NAME and crowded:
                continue  # a common name with nothing else to go on proposes nobody
            parts = [reason.format(resident[R_NAME])]
            if said:
                parts.append(said)
            born_same = False
            if row.birth_date and resident[R_BORN]:
                if row.birth_date == resident[R_BORN]:
                    born_same = True
                    confidence += 15
                    parts.append("出生日期一致")
                else:
                    confidence -= 30
                    parts.append("出生日期不同")
            if rule == MatchRule.NAME:
                confidence -= 20
            if rule != MatchRule.NAME_ADDRESS or not born_same:
                confidence = min(confidence, AUTO_ACCEPT - 1)  # a name is never certain on its own
            if confidence >= KEEP_AT_LEAST:
                found.append(self._resident_candidate(resident, rule, confidence, "，".join(parts)))
        return found or self._key_by_name(row)

    def _key_by_name(self, row: ReadRow) -> list[Candidate]:
        return [
            Candidate(None, key[K_ID], key[K_HOUSEHOLD], key[K_GRID], MatchRule.NAME, 50, "姓名与重点人员一致")
            for key in self.key_by_name.get(row.name, ())[:MAX_CANDIDATES]
        ]

    def match(self, row: ReadRow) -> list[Candidate]:
        """Candidates for one row, best first; the best is marked AUTO when certain enough."""
        found = (
            (self._by_id(row) if row.doc_index else [])
            or (self._by_phone(row) if row.phone_index else [])
            or self._by_name(row)
        )
        if not found:
            return found
        found.sort(key=lambda c: -c.confidence)
        found = found[:MAX_CANDIDATES]
        best = found[0]
        runner_up = found[1].confidence if len(found) > 1 else 0
        if best.confidence >= AUTO_ACCEPT and runner_up < AUTO_ACCEPT:
            best.status = MatchStatus.AUTO
            return [best]  # the others would only be noise next to a certain match
        return found


_CJK_NAME = re.compile(r"[\u3400-\u9fff·]{2,10}")
# Why a namesake is in the pool, with the register's name filled in ({}).
_SAME_NAME = "姓名一致"
_HOMOPHONE = "姓名同音（台账为“{}”）"
_SAME_INITIALS = "姓名拼音首字母相同（台账为“{}”）"


def _same_name(name: str, resident: tuple) -> bool:
    if name == resident[R_NAME]:
        return True
    if not _CJK_NAME.fullmatch(name):
        return name.replace(" ", "").lower() == resident[R_NAME].replace(" ", "").lower()
    return name_keys(name)[0] == resident[R_PINYIN]
