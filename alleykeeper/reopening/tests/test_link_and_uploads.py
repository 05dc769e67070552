"""The enterprise's link (expiry, revocation, wrong tokens, rate limits, one enterprise only) and the
uploads it and staff make (type by content, sizes, scripts in PDFs, location data in photos)."""

import io
from datetime import timedelta

import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from alleykeeper.reopening import actions
from alleykeeper.reopening.models import Application, ApplicationStatus, EnterpriseLink, EnterpriseState, Material

MEASURES = {
    "measures_publicity": "员工已告知",
    "measures_entry": "进门测温登记",
    "measures_disinfection": "每日消毒两次",
    "measures_supervision": "店长负责",
}


def _application(**overrides) -> dict:
    planned = (timezone.localdate() + timedelta(days=3)).isoformat()
    return {
        "what": "application",
        "planned_date": planned,
        "planned_start": "09:00",
        "planned_end": "21:00",
        "contact_name": "林店长",
        "contact_phone": "13859903333",
        **MEASURES,
        **overrides,
    }


def _link_url(world, enterprise) -> str:
    return reverse("reopening:public", args=[actions.issue_link(world.admin, enterprise)])


def test_the_link_reaches_one_enterprise_and_files_its_application(world, enterprise_a, enterprise_b):
    cache.clear()
    url = _link_url(world, enterprise_a)
    link = EnterpriseLink.objects.get()
    assert url.split("/")[-2] not in link.token_hash  # only the hash is stored
    client = Client()
    page = client.get(url)
    assert (
        page.status_code == 200
        and "开元奶茶店" in page.content.decode()
        and "孝感巷理发店" not in page.content.decode()
    )
    assert page["Cache-Control"].startswith("no-store") or "no-store" in page["Cache-Control"]
    bad = client.post(url, _application(planned_date="2020-02-30", contact_phone="138abc"))
    assert (
        bad.status_code == 400
        and "请按“年-月-日”填写日期" in bad.content.decode()
        and "电话号码只能包含数字" in bad.content.decode()
    )
    assert client.post(url, _application()).status_code == 302
    application = Application.objects.get()
    assert application.enterprise == enterprise_a and application.via_link and application.submitted_by is None
    assert application.contact_phone_masked == "138****3333"
    enterprise_a.refresh_from_db()
    assert enterprise_a.state == EnterpriseState.APPLYING
    # Corrections while still submitted update the same application; nothing reaches enterprise B.
    client.post(url, _application(measures_entry="测温并登记身份证"))
    assert Application.objects.count() == 1 and Application.objects.get().measures_entry == "测温并登记身份证"
    assert not enterprise_b.applications.exists()
    # Staff have started the review: the link shows the state and changes nothing.
    actions.start_review(world.admin, application)
    client.post(url, _application(measures_entry="改了"))
    assert Application.objects.get().measures_entry == "测温并登记身份证"


def test_expired_revoked_and_wrong_links_are_refused_alike(world, enterprise_a):
    cache.clear()
    token = actions.issue_link(world.admin, enterprise_a)
    client = Client()
    for wrong in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * 65, "short"):
        assert client.get(reverse("reopening:public", args=[wrong])).status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=15), tick=False):
        response = client.post(reverse("reopening:public", args=[token]), _application())
        assert response.status_code == 404 and "链接无效" in response.content.decode()
    link = EnterpriseLink.objects.get()
    as_admin = Client()
    as_admin.force_login(world.admin)
    assert as_admin.post(reverse("reopening:link_revoke", args=[link.pk])).status_code == 302
    assert client.post(reverse("reopening:public", args=[token]), _application()).status_code == 404
    assert not Application.objects.exists()


def test_rate_limits_per_link_and_per_client(world, enterprise_a, settings):
    cache.clear()
    settings.REOPENING_LINK_POSTS_PER_HOUR = 2
    url = _link_url(world, enterprise_a)
    client = Client()
    statuses = [client.post(url, _application(contact_name="")).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
    cache.clear()
    other = _link_url(world, enterprise_a)
    statuses = [client.get(other).status_code for _ in range(7)]
    assert statuses[-1] == 429 and statuses[0] == 200


def _png(size=(40, 30), gps: bool = False) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x010F] = "Phone maker"
        exif.get_ifd(0x8825)[2] = (24.0, 52.0, 0.0)  # GPS latitude
        image.save(out, format="JPEG", exif=exif.tobytes())
    else:
        image.save(out, format="PNG")
    return out.getvalue()


def test_uploads_are_checked_by_content_and_cleaned(world, enterprise_a, settings):
    cache.clear()
    url = _link_url(world, enterprise_a)
    client = Client()
    client.post(url, _application())

    def upload(name: str, content: bytes):
        file = SimpleUploadedFile(name, content, content_type="application/pdf")
        return client.post(url, {"what": "material", "title": "材料", "file": file})

    refused = {
        "setup.pdf": (b"MZ\x90\x00" + b"\x00" * 200, "只能上传 PDF、JPG 或 PNG"),  # a renamed executable
        "photo.jpg": (b"\x7fELF" + b"\x00" * 100, "只能上传 PDF、JPG 或 PNG"),
        "script.pdf": (
            b"%PDF-1.4\n1 0 obj << /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\n%%EOF",
            "含有脚本",
        ),
        "hidden.pdf": (b"%PDF-1.4\n1 0 obj << /S /J#61vaScript >>\n%%EOF", "含有脚本"),
        "fake.png": (b"\x89PNG\r\n\x1a\n" + b"garbage" * 20, "照片无法打开"),
    }
    for name, (content, message) in refused.items():
        response = upload(name, content)
        assert response.status_code == 400 and message in response.content.decode(), name
    import zlib

    stream = zlib.compress(b"<< /Type /Action /S /JavaScript /JS (x) >>")
    compressed = b"%PDF-1.5\n1 0 obj << /Filter /FlateDecode >> stream\n" + stream + b"\nendstream\n%%EOF"
    assert "含有脚本" in upload("objstm.pdf", compressed).content.decode()
    settings.UPLOAD_IMAGE_MAX_PIXELS = 1000
    assert "像素太多" in upload("big.png", _png((100, 100))).content.decode()
    settings.UPLOAD_IMAGE_MAX_BYTES = 50
    assert "照片太大" in upload("big.png", _png()).content.decode()
    settings.UPLOAD_MAX_BYTES = 100
    assert "文件太大" in upload("big.pdf", b"%PDF-1.4\n" + b"0" * 200).content.decode()
    assert not Material.objects.exists()
    settings.UPLOAD_MAX_BYTES, settings.UPLOAD_IMAGE_MAX_BYTES, settings.UPLOAD_IMAGE_MAX_PIXELS = 10**7, 10**7, 10**7
    assert upload("plain.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n%%EOF").status_code == 302
    gps_photo = _png(gps=True)
    assert b"Phone maker" in gps_photo and Image.open(io.BytesIO(gps_photo)).getexif().get_ifd(0x8825)
    assert upload("门头.jpg", gps_photo).status_code == 302
    photo = Material.objects.get(kind="jpeg")
    stored = (settings.PRIVATE_UPLOAD_ROOT / "reopening" / photo.stored_name).read_bytes()
    assert b"Phone maker" not in stored and not Image.open(io.BytesIO(stored)).getexif()
    assert photo.stored_name != "门头.jpg" and photo.application.enterprise == enterprise_a


def test_materials_are_served_to_staff_in_scope_as_attachments(world, personas, enterprise_a, enterprise_b):
    application = actions.submit_application(
        world.worker_a, enterprise_a, {"planned_date": timezone.localdate(), "contact_name": "林"}, None, via_link=False
    )
    pdf = SimpleUploadedFile("申请.pdf", b"%PDF-1.4\n<< /Type /Catalog >>\n%%EOF")
    material = actions.add_material(world.worker_a, enterprise_a, pdf, "申请表", application)
    url = reverse("reopening:material", args=[material.pk])
    response = personas["worker_a"].get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment") and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf" and b"".join(response.streaming_content).startswith(b"%PDF")
    assert personas["worker_b"].get(url).status_code == 404
    assert personas["duty"].get(url).status_code == 403
    assert personas["anonymous"].get(url).status_code == 302
    assert personas["officer"].get(url).status_code == 200
    # Staff upload through the same checks.
    bad = SimpleUploadedFile("x.pdf", b"MZ" + b"\x00" * 50)
    response = personas["worker_a"].post(
        reverse("reopening:material_upload", args=[application.pk]), {"title": "x", "file": bad}, follow=True
    )
    assert "只能上传 PDF、JPG 或 PNG" in response.content.decode() and Material.objects.count() == 1
    assert application.status == ApplicationStatus.SUBMITTED
