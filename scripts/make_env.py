"""Write a development .env with fresh random keys, unless one exists. Never commit .env."""

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

path = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
if path.exists():
    sys.exit(0)
path.write_text(
    "# Development settings written by `make env`. Keys are random and local to this machine.\n"
    "DEBUG=1\n"
    f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
    f"FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}\n"
    f"BLIND_INDEX_KEY={secrets.token_urlsafe(32)}\n"
    f"DEMO_PASSWORD=demo-{secrets.token_urlsafe(6)}\n",
    encoding="utf-8",
)
print(f"wrote {path}")
