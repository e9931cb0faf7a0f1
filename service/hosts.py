"""Which Host names the service answers to (the guard against DNS rebinding).

In local mode (no API tokens) every caller is trusted because only this
machine can connect. A web page on another site can still get there: its
domain's DNS answer is switched to 127.0.0.1 after the page has loaded
("DNS rebinding"), and the browser then sends the page's requests to the
local service as same-origin requests, with `Host: that-domain`. Refusing
every Host that is not a loopback name (or a name the operator allowed in
COGOV_ALLOWED_HOSTS) closes that door: the browser always sends the name
the page used. See service.http.HostCheckMiddleware.

Origins are the other half: a page on another site that posts to this
service (a form, or fetch in 'no-cors' mode) is sent with its own Origin
header. Which origins are the service's own (the request's scheme and Host)
or allowed (COGOV_ALLOWED_ORIGINS) is decided here; the refusal is
service.http.OriginMiddleware's.
"""
from __future__ import annotations

import ipaddress
import re

LOOPBACK_NAMES = frozenset({"localhost"})
_PORT = re.compile(r"^[0-9]{1,5}$")
_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def host_name(value: str) -> str | None:
    """The name in a Host header ('name', 'name:port', '[v6]' or '[v6]:port'), canonical
    (lower case, IP addresses in their compressed form); None when the value is malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        ip = _ip(value[1:end]) if end > 0 else None
        if not isinstance(ip, ipaddress.IPv6Address):
            return None
        name, rest = ip.compressed, value[end + 1:]
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
        ip = _ip(name)
        if ip is not None:
            name = ip.compressed
        elif not _HOSTNAME.match(name) or len(name) > 253:
            return None
    if rest and not (rest[0] == ":" and _PORT.match(rest[1:])):
        return None
    return name


def is_loopback_name(name: str) -> bool:
    """localhost, any 127.x.y.z or ::1 (a name as host_name returns it)."""
    if name in LOOPBACK_NAMES:
        return True
    ip = _ip(name)
    return ip is not None and ip.is_loopback


def host_allowed(header: str, extra: frozenset[str]) -> bool:
    """Whether a Host header value names a loopback name or one of `extra` (canonical names)."""
    name = host_name(header)
    return name is not None and (is_loopback_name(name) or name in extra)


def parse_allowed_hosts(spec: str | None) -> frozenset[str]:
    """The names of COGOV_ALLOWED_HOSTS (comma- or space-separated), canonical; ValueError names a bad one.

    Each entry is a host name or an IP address (IPv6 with or without brackets),
    with no scheme, port, path or wildcard: the port of a request is not checked."""
    names = set()
    for entry in re.split(r"[,\s]+", (spec or "").strip()):
        if not entry:
            continue
        text = entry.lower()
        ip = _ip(text[1:-1] if text.startswith("[") and text.endswith("]") else text)
        if ip is not None and (not text.startswith("[") or isinstance(ip, ipaddress.IPv6Address)):
            names.add(ip.compressed)
        elif _HOSTNAME.match(text) and len(text) <= 253:
            names.add(text)
        else:
            raise ValueError(f"{entry[:100]!r} is not a host name or IP address (write names such as "
                             "cogov.internal or 192.168.1.5, without scheme, port, path or wildcard)")
    return frozenset(names)


# -- origins (scheme://host:port): who may send unsafe requests and read answers across sites ---------------

DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]   # (scheme, canonical host name, port)


def parse_origin(text: str) -> Origin | None:
    """An Origin header value (or an entry of COGOV_ALLOWED_ORIGINS) as (scheme, host, port), host canonical
    as host_name gives it and the port explicit; None for anything else ('null', a path, user info, ...)."""
    scheme, sep, rest = text.strip().partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in DEFAULT_PORTS or not rest or any(c in rest for c in "/?#@\\ "):
        return None
    name = host_name(rest)
    if name is None:
        return None
    port = rest[rest.index("]") + 1:].removeprefix(":") if rest.startswith("[") else rest.partition(":")[2]
    number = int(port) if port else DEFAULT_PORTS[scheme]
    return (scheme, name, number) if 0 < number < 65536 else None


def serialize_origin(origin: Origin) -> str:
    """An origin as browsers write it in the Origin header: lower case, the default port left out."""
    scheme, name, port = origin
    host = f"[{name}]" if ":" in name else name
    return f"{scheme}://{host}" if port == DEFAULT_PORTS[scheme] else f"{scheme}://{host}:{port}"


def request_origin(scheme: str, host_header: str | None) -> Origin | None:
    """The service's own origin for a request, as the service sees it: its scheme and its Host header."""
    if host_header is None or scheme not in DEFAULT_PORTS:
        return None
    return parse_origin(f"{scheme}://{host_header.strip()}")


def parse_allowed_origins(spec: str | None) -> frozenset[Origin]:
    """The origins of COGOV_ALLOWED_ORIGINS (comma- or space-separated, each scheme://host[:port]);
    ValueError names a bad one."""
    origins = set()
    for entry in re.split(r"[,\s]+", (spec or "").strip()):
        if not entry:
            continue
        origin = parse_origin(entry)
        if origin is None:
            raise ValueError(f"{entry[:100]!r} is not an origin (write scheme://host or scheme://host:port, "
                             "such as https://dashboard.example.org, without path, wildcard or trailing slash)")
        origins.add(origin)
    return frozenset(origins)
