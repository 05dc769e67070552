"""The production files in deploy/: nginx's site passes `nginx -t`, gunicorn's configuration loads, and every
periodic command of the README has a systemd timer that runs a command that exists."""

import configparser
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.management import get_commands

DEPLOY = settings.BASE_DIR / "deploy"
SYSTEMD = DEPLOY / "systemd"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "alleykeeper.example.org")])
    now = datetime(2026, 1, 1, tzinfo=UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "fullchain.pem", directory / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed (`make system-test-deps` installs it)")
def test_nginx_accepts_the_site(tmp_path):
    """The site as shipped, inside a minimal nginx.conf; only the certificate paths point at a throwaway pair."""
    cert, key = _self_signed(tmp_path)
    site = (DEPLOY / "nginx" / "alleykeeper.conf").read_text(encoding="utf-8")
    site = re.sub(r"ssl_certificate (\S+);", f"ssl_certificate {cert};", site)
    site = re.sub(r"ssl_certificate_key (\S+);", f"ssl_certificate_key {key};", site)
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    main = f"""
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    include {DEPLOY / "nginx" / "log_format.conf"};
    include {tmp_path}/site.conf;
}}
"""
    (tmp_path / "nginx.conf").write_text(main, encoding="utf-8")
    done = subprocess.run(  # noqa: S603 - nginx's own check of a file we wrote
        [NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "syntax is ok" in done.stderr and "test is successful" in done.stderr


def test_gunicorn_configuration_loads():
    values: dict = {}
    exec((DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8"), values)  # noqa: S102 - our own file
    assert values["bind"].startswith("127.0.0.1:") and values["workers"] >= 2 and values["preload_app"]


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    return parser


def _readme_timer_commands() -> set[str]:
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Timers for a real installation", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"manage\.py (\w+)", section))


def test_every_periodic_command_has_a_timer_running_an_existing_command():
    commands = get_commands()
    timed = {}
    for timer in SYSTEMD.glob("*.timer"):
        unit = _unit(timer)
        service = unit["Timer"]["Unit"]
        assert unit["Timer"]["OnCalendar"] and unit["Install"]["WantedBy"] == "timers.target", timer.name
        if service.startswith("alleykeeper-command@"):
            command = service.removeprefix("alleykeeper-command@").removesuffix(".service")
            assert command in commands, f"{timer.name} runs manage.py {command}, which does not exist"
            timed[command] = timer.name
        else:
            assert (SYSTEMD / service).exists(), f"{timer.name} starts {service}, which is not in deploy/systemd"
    readme = _readme_timer_commands()
    assert readme, "README's timer section names no command"
    own_services = {"db_worker", "backup_database"}  # alleykeeper-worker.service, alleykeeper-backup.service
    assert readme - own_services <= set(timed), f"no timer for {readme - own_services - set(timed)}"
    assert "db_worker" in _unit(SYSTEMD / "alleykeeper-worker.service")["Service"]["ExecStart"]
    assert "backup_database" in _unit(SYSTEMD / "alleykeeper-backup.service")["Service"]["ExecStart"]


def test_the_services_run_the_app_from_its_folder_with_its_settings():
    for path in SYSTEMD.glob("*.service"):
        service = _unit(path)["Service"]
        assert service["User"] == "alleykeeper" and service["EnvironmentFile"] == "/etc/alleykeeper/env", path.name
        assert service["ExecStart"].startswith("/srv/alleykeeper/.venv/bin/"), path.name
