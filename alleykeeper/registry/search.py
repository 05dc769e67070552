"""One search box: name, pinyin (full or initials), phone, exact ID number or address."""

import re

from django.db.models import Q

from alleykeeper.core.crypto import blind_index
from alleykeeper.core.identity import check_id_card, check_phone, clean_text
from alleykeeper.registry.models import Household, Resident

LIMIT = 50


def search(user, query: str) -> tuple[list[Resident], list[Household], str]:
    """Residents and households in the user's scope matching `query`, and how the query was read."""
    text = clean_text(query)
    residents = Resident.objects.visible_to(user).select_related("household__building__alley", "household__unit")
    households = Household.objects.visible_to(user).select_related("building__alley", "unit")
    if not text:
        return [], [], ""
    id_checked = check_id_card(text)
    if re.fullmatch(r"[\dXx]{15,18}", text) and id_checked.ok:
        found = residents.filter(doc_number_index=blind_index("doc", id_checked.value))
        return list(found[:LIMIT]), [], "证件号码（精确）"
    if re.fullmatch(r"\+?[\d\-]{7,16}", text):
        phone = check_phone(text)
        if phone.ok and phone.value:
            found = residents.filter(phone_index=blind_index("phone", phone.value))
            if found.exists():
                return list(found[:LIMIT]), [], "电话（精确）"
        return [], list(households.filter(room__startswith=text)[:LIMIT]), "门牌号"
    if re.fullmatch(r"[A-Za-z]+", text):
        key = text.lower()
        found = residents.filter(Q(name_initials__startswith=key) | Q(name_pinyin__startswith=key))
        return list(found.order_by("name_pinyin")[:LIMIT]), [], "拼音"
    found = residents.filter(name__startswith=text).order_by("name")
    address = households.filter(
        Q(building__alley__name__startswith=text)
        | Q(building__name__startswith=text)
        | Q(room__startswith=text)
        | Q(landlord_name__startswith=text)
    )
    return list(found[:LIMIT]), list(address[:LIMIT]), "姓名或地址"
