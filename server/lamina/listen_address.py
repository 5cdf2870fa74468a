"""Addresses Lamina's servers listen on: loopback unless the user says otherwise.

`lamina serve` and `lamina lsp --tcp` both run code on request, so both refuse an address beyond
this machine without --allow-remote. IPv6 hosts are written in brackets (`[::1]:2087`), as in URLs.
"""

from __future__ import annotations

import ipaddress


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_host_port(address: str, option: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """HOST:PORT, [IPV6]:PORT or :PORT; ValueError with one line that names `option`."""
    usage = f"{option} takes HOST:PORT (e.g. 127.0.0.1:2087, or [::1]:2087), not {address!r}"
    host, separator, port = address.rpartition(":")
    if not separator or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(usage)
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(usage) from None
    elif ":" in host:  # a bare IPv6 address: its last part would be taken for the port
        raise ValueError(f"{usage}: put an IPv6 address in brackets")
    return host or default_host, int(port)
