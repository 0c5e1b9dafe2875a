"""Which addresses are this machine's own: the collector's bind check and its API guard."""

from __future__ import annotations

import ipaddress
import socket


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8 (also written short, ``127.1``), ::1 and localhost."""
    name = host.strip().lower().removeprefix("[").removesuffix("]")
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        pass
    try:  # the short IPv4 forms the C library accepts (127.1)
        return ipaddress.ip_address(socket.inet_aton(name)).is_loopback
    except OSError:
        return False


def is_everywhere(host: str) -> bool:
    """True for the addresses that mean "every address of this machine" (0.0.0.0, ::)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def host_name(host_header: str) -> str:
    """The name in an HTTP ``Host`` header, without its port (``[::1]:8787`` -> ``::1``)."""
    value = host_header.strip()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value[1:]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value
