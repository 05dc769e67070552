"""Files people attach (an enterprise's reopening materials, an inspector's photo): hostile input.

- PDF, JPEG and PNG only, told by content (the first bytes, then Pillow for images), never by the name:
  a program renamed `.pdf` or `.jpg` is refused.
- Size limits (settings): `UPLOAD_MAX_BYTES` for any file, `UPLOAD_IMAGE_MAX_BYTES` and
  `UPLOAD_IMAGE_MAX_PIXELS` for photos (a small file that decodes to a huge picture is a bomb).
- Photos are decoded and written again from their pixels (turned upright first): EXIF, GPS position,
  comments and any bytes appended after the picture are gone.
- A PDF that carries JavaScript, launches programs or embeds files is refused; its streams are inflated
  (with a cap) so that a script hidden in a compressed object stream is found too. Every PDF is still only
  ever served as an attachment, never shown in the browser.
- Stored under PRIVATE_UPLOAD_ROOT (outside the web root, never served by the web server) with a random
  name; `attachment_response` is the one way one leaves, to staff an access function has let through.
"""

import hashlib
import io
import re
import uuid
import zlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from PIL import Image, ImageOps, UnidentifiedImageError

from alleykeeper.core.tabular import human_size

PDF, JPEG, PNG = "pdf", "jpeg", "png"
CONTENT_TYPES = {PDF: "application/pdf", JPEG: "image/jpeg", PNG: "image/png"}
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|jpg|png)")
# PDF names that run code or carry other files. Names may be written with #xx escapes (/J#61vaScript).
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData)(?![A-Za-z])")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n")
PDF_INFLATE_CAP = 64 * 1024 * 1024  # bytes inflated from a PDF's streams while looking for scripts, at most
NOT_ALLOWED = (
    "只能上传 PDF、JPG 或 PNG 文件（按文件内容识别，改文件名没有用）。请把材料拍照或扫描成这几种格式后再上传。"
)


class UploadError(Exception):
    """A file refused, with the message to show (Chinese, says what to do)."""


@dataclass(frozen=True)
class StoredFile:
    name: str  # the stored file's name inside its folder: random, never the uploader's
    kind: str  # PDF, JPEG or PNG
    size: int
    sha256: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]


def upload_dir(folder: str) -> Path:
    return Path(settings.PRIVATE_UPLOAD_ROOT) / folder


def _kind_of(head: bytes) -> str:
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    raise UploadError(NOT_ALLOWED)


def _read_limited(uploaded: UploadedFile, limit: int) -> bytes:
    if uploaded.size is not None and uploaded.size > limit:
        raise UploadError(
            f"文件太大（{human_size(uploaded.size)}），不能超过 {human_size(limit)}。请压缩或拆分后再上传。"
        )
    data = b"".join(uploaded.chunks())
    if len(data) > limit:
        raise UploadError(f"文件太大（{human_size(len(data))}），不能超过 {human_size(limit)}。请压缩或拆分后再上传。")
    if not data:
        raise UploadError("文件是空的，请重新选择文件。")
    return data


def _has_active_content(data: bytes) -> bool:
    def active(chunk: bytes) -> bool:
        return bool(_PDF_ACTIVE.search(_PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m[1], 16)]), chunk)))

    if active(data):
        return True
    budget = PDF_INFLATE_CAP
    for match in _PDF_STREAM.finditer(data):
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[match.end() : match.end() + budget], budget)
        except zlib.error:
            continue  # not a Flate stream (an image, or another filter): nothing readable to look for
        budget -= len(inflated)
        if active(inflated):
            return True
        if budget <= 0:
            return True  # streams that inflate past the cap: a bomb, refused like a script
    return False


def _clean_pdf(data: bytes) -> bytes:
    if _has_active_content(data):
        raise UploadError("这个 PDF 含有脚本、嵌入文件或自动执行的动作，不能上传。请“打印”为新的 PDF 或拍照后再上传。")
    return data


def _clean_image(data: bytes, kind: str) -> bytes:
    """The picture decoded and written again from its pixels: no EXIF, no GPS, nothing appended."""
    max_pixels = settings.UPLOAD_IMAGE_MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != {JPEG: "JPEG", PNG: "PNG"}[kind]:
                raise UploadError(NOT_ALLOWED)
            width, height = image.size
            if width * height > max_pixels:
                raise UploadError(
                    f"照片像素太多（{width}×{height}），请缩小到 {max_pixels // 1_000_000} 百万像素以内再上传。"
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
            if kind == JPEG and upright.mode not in ("RGB", "L"):
                upright = upright.convert("RGB")
            clean = Image.new(upright.mode, upright.size)
            clean.paste(upright)  # pixels only: none of the original's metadata comes along
            if upright.mode == "P":
                clean.putpalette(upright.getpalette() or [])
            out = io.BytesIO()
            if kind == JPEG:
                clean.save(out, format="JPEG", quality=88, optimize=True)
            else:
                clean.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except UploadError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise UploadError("照片无法打开，可能已损坏。请重新拍照或另存后再上传。") from None


def store_checked_file(uploaded: UploadedFile, folder: str) -> StoredFile:
    """Check one upload (type by content, size, pixels, scripts), clean it and store it privately."""
    data = _read_limited(uploaded, settings.UPLOAD_MAX_BYTES)
    kind = _kind_of(data[:8])
    if kind == PDF:
        data = _clean_pdf(data)
    else:
        limit = settings.UPLOAD_IMAGE_MAX_BYTES
        if len(data) > limit:
            raise UploadError(f"照片太大（{human_size(len(data))}），不能超过 {human_size(limit)}。请压缩后再上传。")
        data = _clean_image(data, kind)
    directory = upload_dir(folder)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    name = f"{uuid.uuid4().hex}.{EXTENSIONS[kind]}"
    path = directory / name
    with open(path, "xb") as out:
        path.chmod(0o600)
        out.write(data)
    return StoredFile(name=name, kind=kind, size=len(data), sha256=hashlib.sha256(data).hexdigest())


def stored_path(folder: str, name: str) -> Path:
    if not _STORED_NAME.fullmatch(name):
        raise UploadError("文件名不对。")
    return upload_dir(folder) / name


def delete_stored(folder: str, name: str) -> None:
    if _STORED_NAME.fullmatch(name):
        stored_path(folder, name).unlink(missing_ok=True)


def attachment_response(folder: str, name: str, kind: str, download_name: str) -> FileResponse:
    """The file as a download, never shown inline: a PDF's or picture's content cannot run in our origin."""
    response = FileResponse(
        open(stored_path(folder, name), "rb"),
        as_attachment=True,
        filename=download_name,
        content_type=CONTENT_TYPES[kind],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "no-store"
    return response
