"""Shared model pieces."""

from django.db import models

from alleykeeper.core.crypto import decrypt, seal_document, seal_phone
from alleykeeper.core.identity import Checked, DocumentType


def identity_indexes(*, document: bool = True, phone: bool = True) -> list[models.Index]:
    """Plain btree indexes on the blind indexes, for a concrete model's Meta.indexes.

    Not db_index=True: on PostgreSQL that adds a second, varchar_pattern_ops index (for LIKE) to every
    CharField, and blind indexes are only ever compared whole. Every index is written for every row a
    100,000-row import COPYs. Leave one out where a unique index already covers the column (Resident's
    document number) or where nothing looks the column up."""
    indexes = []
    if document:
        indexes.append(models.Index(fields=["doc_number_index"], name="%(app_label)s_%(class)s_doc_ix"))
    if phone:
        indexes.append(models.Index(fields=["phone_index"], name="%(app_label)s_%(class)s_phone_ix"))
    return indexes


def apply_changes(instance: models.Model, data: dict, fields: tuple[str, ...] | list[str]) -> list[str]:
    """Set `data`'s values of `fields` on `instance` and return the names that really changed.

    Compared with the stored row, not with `instance`: a bound ModelForm has already copied the new values
    onto its instance, so comparing with the instance would find nothing changed (and skip derived work)."""
    stored = type(instance)._base_manager.get(pk=instance.pk)
    changed = [name for name in fields if name in data and getattr(stored, name) != data[name]]
    for name in changed:
        setattr(instance, name, data[name])
    return changed


class SealedIdentity(models.Model):
    """An identity document and a phone, encrypted at rest (GUIDE.md section 4).

    Each value is kept three ways: AES-GCM ciphertext (core.crypto), a keyed hash for exact look-up (blind index),
    and the masked form that pages, exports and the API show by default. The clear value is read
    only through an audited reveal action.
    """

    doc_type = models.CharField("证件类型", max_length=20, choices=DocumentType.choices, default=DocumentType.ID_CARD)
    doc_number_enc = models.TextField(blank=True, editable=False)
    doc_number_index = models.CharField(max_length=32, blank=True, editable=False)
    doc_number_masked = models.CharField("证件号码", max_length=30, blank=True, editable=False)
    phone_enc = models.TextField(blank=True, editable=False)
    phone_index = models.CharField(max_length=32, blank=True, editable=False)
    phone_masked = models.CharField("电话", max_length=20, blank=True, editable=False)

    # Every column of ciphertext a model keeps: `manage.py rotate_keys` re-encrypts exactly these. A model that
    # keeps a sealed value of its own (a landlord's phone, a copied phone) names it in its own `sealed_fields`.
    sealed_fields: tuple[str, ...] = ("doc_number_enc", "phone_enc")

    class Meta:
        abstract = True  # concrete models add identity_indexes() to their Meta.indexes

    def seal_identity(self, doc: Checked | None, phone: Checked | None) -> None:
        """Store checked values; None leaves a value as it is."""
        if doc is not None:
            sealed = seal_document(doc.value)
            self.doc_number_enc, self.doc_number_index, self.doc_number_masked = (
                sealed.encrypted,
                sealed.index,
                sealed.masked,
            )
        if phone is not None:
            sealed = seal_phone(phone.value)
            self.phone_enc, self.phone_index, self.phone_masked = sealed.encrypted, sealed.index, sealed.masked

    def full_document_number(self) -> str:
        """Clear value: for audited reveal actions and matching only, never for display by default."""
        return decrypt(self.doc_number_enc)

    def full_phone(self) -> str:
        return decrypt(self.phone_enc)
