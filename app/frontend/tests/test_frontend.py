"""Static checks of the frontend image's content (no Docker engine here to build it)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_nginx_listens_on_8080_and_answers_health():
    conf = (ROOT / "nginx.conf").read_text()
    assert re.search(r"^\s*listen 8080;", conf, re.M)
    health = re.search(r"location = /health \{(.*?)\}", conf, re.S)
    assert health and "return 200" in health.group(1)


def test_nginx_writes_only_to_tmp():
    """The task runs with a read-only root filesystem and a /tmp volume."""
    conf = (ROOT / "nginx.conf").read_text()
    for directive in ("pid", "client_body_temp_path", "proxy_temp_path", "fastcgi_temp_path", "uwsgi_temp_path", "scgi_temp_path"):
        match = re.search(rf"^\s*{directive}\s+(\S+);", conf, re.M)
        assert match and match.group(1).startswith("/tmp/"), directive


def test_page_uses_the_api_through_the_alb():
    assert 'src="/app.js"' in (ROOT / "html" / "index.html").read_text()
    js = (ROOT / "html" / "app.js").read_text()
    assert 'fetch("/api/products"' in js
    assert "innerHTML" not in js  # text only, no markup injection


def test_dockerfile_copies_config_and_exposes_8080():
    docker = (ROOT / "Dockerfile").read_text()
    assert "nginx-unprivileged" in docker
    assert "COPY nginx.conf /etc/nginx/nginx.conf" in docker
    assert "EXPOSE 8080" in docker


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed")
def test_nginx_accepts_the_config(tmp_path):
    conf = (ROOT / "nginx.conf").read_text()
    path = tmp_path / "nginx.conf"
    path.write_text(conf)
    result = subprocess.run(["nginx", "-t", "-c", str(path)], capture_output=True, text=True, check=False)  # noqa: S603,S607
    assert result.returncode == 0, result.stderr
