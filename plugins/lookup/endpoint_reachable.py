# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: endpoint_reachable
author:
  - tierstack maintainers (@tierstack)
short_description: Whether something accepts TCP connections at an endpoint URL's host and port
version_added: 1.0.0
description:
  - For each URL given, opens one TCP connection to its host and port (80 for C(http), 443 for C(https),
    unless the URL names a port) and closes it at once. Returns V(true) when the connection opened,
    V(false) when it was refused, timed out, or the host name does not resolve.
  - Sends no request, so it needs no credentials and makes no API call. Use it before the first AWS call to
    a custom endpoint (an emulator, a proxy, a VPC endpoint), to tell at once that nothing listens there
    instead of after botocore's retries. AWS's own endpoints need no such check.
  - Runs on the controller, where C(connection=local) hosts also run their modules.
options:
  _terms:
    description: Endpoint URLs, such as C(http://127.0.0.1:4566).
    required: true
    type: list
    elements: str
  timeout:
    description: Seconds to wait for the connection to open.
    type: float
    default: 3
"""

EXAMPLES = r"""
- name: Stop at once when nothing listens at the emulator's endpoint
  ansible.builtin.fail:
    msg: Nothing accepts connections at {{ tierstack_endpoint_url }}.
  when: not lookup('tierstack.aws.endpoint_reachable', tierstack_endpoint_url)
"""

RETURN = r"""
_raw:
  description: One boolean per URL, V(true) when a TCP connection to it opened.
  type: list
  elements: bool
"""

import socket
from urllib.parse import urlsplit

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase

DEFAULT_PORTS = {"http": 80, "https": 443}


def host_and_port(url):
    """(host, port) of an endpoint URL; fails on a URL without a scheme and host."""
    parts = urlsplit(str(url).strip())
    try:
        port = parts.port
    except ValueError as e:
        raise AnsibleLookupError(f"The endpoint URL {url!r} has an invalid port: {e}") from e
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise AnsibleLookupError(f"The endpoint URL {url!r} must look like http(s)://host[:port]")
    return parts.hostname, port or DEFAULT_PORTS[parts.scheme]


def reachable(url, timeout):
    host, port = host_and_port(url)
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        timeout = float(self.get_option("timeout"))
        return [reachable(url, timeout) for url in terms]
