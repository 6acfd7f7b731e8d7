"""The production proxy (deploy/nginx.conf), run with Debian's nginx in front of gunicorn: TLS
terminated, the original scheme passed on so the URLs OpenRosa clients follow are https,
/metrics refused, plain HTTP redirected (docs/operations.md "Proxy")."""

from __future__ import annotations

import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.intake.test_openrosa_collect import FORM_LIST_NS, CollectPhone
from tests.support import factories
from tests.support.openrosa_client import FRAME
from tests.support.servers import ROOT, EmbeddedStore, GunicornServer, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# What the test changes in the production file: addresses inside the compose network, the
# secrets' mount points and the pid file become local ones.
LOCAL = {
    "server app:8000;": "server 127.0.0.1:{app_port};",
    "listen 8080;": "listen 127.0.0.1:{http_port};",
    "listen 8443 ssl;": "listen 127.0.0.1:{https_port} ssl;",
    "/run/secrets/tls_certificate_key": "{folder}/key.pem",
    "/run/secrets/tls_certificate;": "{folder}/cert.pem;",
    "pid /tmp/nginx.pid;": "pid {folder}/nginx.pid;",
}


@dataclass
class Proxied:
    https: str
    http: str
    certificate: Path
    app: GunicornServer


def self_signed_certificate(folder: Path) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
            "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def local_config(folder: Path, app_port: int, http_port: int, https_port: int) -> Path:
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    for production, local in LOCAL.items():
        assert production in config, production
        config = config.replace(
            production,
            local.format(
                app_port=app_port, http_port=http_port, https_port=https_port, folder=folder
            ),
        )
    path = folder / "nginx.conf"
    path.write_text(config)
    return path


def wait_until_listening(url: str, process: subprocess.Popen[bytes], certificate: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        assert process.poll() is None, "nginx exited"
        try:
            requests.get(url, timeout=1, verify=str(certificate))
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("nginx did not start")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is needed: apt-get install nginx-light (bash .ci/run installs it)")
    folder = tmp_path_factory.mktemp("proxy")
    self_signed_certificate(folder)
    with EmbeddedStore(tmp_path_factory.mktemp("proxy-store")) as store:
        app = GunicornServer(store.uri, "proxied", env={"SURVEY_TRUSTED_PROXIES": "1"}).start()
        http_port, https_port = free_port(), free_port()
        config = local_config(folder, app.port, http_port, https_port)
        nginx = subprocess.Popen(
            [NGINX, "-c", str(config), "-p", str(folder), "-e", str(folder / "error.log"),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            https = f"https://localhost:{https_port}"
            wait_until_listening(f"{https}/healthz", nginx, folder / "cert.pem")
            yield Proxied(https, f"http://localhost:{http_port}", folder / "cert.pem", app)
        finally:
            nginx.terminate()
            nginx.wait(10)
            app.stop()


def test_openrosa_urls_are_https_when_the_phone_came_over_https(proxied: Proxied) -> None:
    admin = {"Authorization": f"Bearer {proxied.app.admin_token}"}
    verify = str(proxied.certificate)
    round_body = factories.household_round("proxied-household", frame=FRAME)
    created = requests.post(
        f"{proxied.https}/api/v1/rounds", json=round_body, headers=admin, verify=verify, timeout=10
    )
    assert created.status_code == 201
    issued = requests.post(
        f"{proxied.https}/api/v1/tokens",
        json={"role": "enumerator", "name": "proxied-phone"},
        headers=admin,
        verify=verify,
        timeout=10,
    )
    phone = CollectPhone(proxied.https, "proxied-phone", issued.json()["token"])

    # A client claiming plain HTTP is overruled: nginx sets the scheme it saw.
    listing = phone.request(
        "GET",
        f"{proxied.https}/openrosa/formList",
        headers={"X-Forwarded-Proto": "http"},
        verify=verify,
    )

    assert listing.status_code == 200
    urls = [
        element.text or ""
        for element in ET.fromstring(listing.content).iter()
        if element.tag.endswith(("downloadUrl", "manifestUrl"))
    ]
    assert urls and all(url.startswith(f"{proxied.https}/openrosa/") for url in urls), urls
    form = phone.request("GET", urls[0], verify=verify)
    assert form.status_code == 200 and b"<h:html" in form.content
    assert listing.headers["Strict-Transport-Security"].startswith("max-age=")
    assert ET.fromstring(listing.content).findall("x:xform", FORM_LIST_NS)


def test_metrics_are_not_served_through_the_proxy(proxied: Proxied) -> None:
    refused = requests.get(f"{proxied.https}/metrics", verify=str(proxied.certificate), timeout=5)

    assert refused.status_code == 403
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert requests.get(f"{proxied.app.url}/metrics", timeout=5).status_code == 200


def test_plain_http_redirects_to_https_and_answers_the_healthcheck(proxied: Proxied) -> None:
    moved = requests.get(f"{proxied.http}/api/v1/rounds?x=1", allow_redirects=False, timeout=5)

    assert moved.status_code == 308
    assert moved.headers["Location"].startswith("https://localhost")
    assert moved.headers["Location"].endswith("/api/v1/rounds?x=1")
    assert requests.get(f"{proxied.http}/healthz", timeout=5).status_code == 200
