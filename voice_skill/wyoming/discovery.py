"""Zeroconf discovery: Home Assistant finds Wyoming servers as `_wyoming._tcp.local.` services.

The service info is built apart from registering it, so that tests check what would be announced without
sending a single multicast packet.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from typing import TYPE_CHECKING

from ..errors import SkillError

if TYPE_CHECKING:
    from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

SERVICE_TYPE = "_wyoming._tcp.local."
MDNS_GROUP = "224.0.0.251"
_LOGGER = logging.getLogger(__name__)


def advertised_address(bind_host: str) -> str:
    """The address clients should connect to: the bound one, or for 0.0.0.0 the one this host reaches its network by.

    Announcing 0.0.0.0 would send Home Assistant nowhere.
    """
    try:
        address = ipaddress.ip_address(bind_host)
    except ValueError:
        address = ipaddress.ip_address(socket.gethostbyname(bind_host))
    if not address.is_unspecified:
        return str(address)
    return outgoing_address()


def outgoing_address() -> str:
    """The local address multicast leaves from. Connecting a UDP socket sends nothing: the kernel only picks a route."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect((MDNS_GROUP, 5353))
        except OSError as error:
            raise SkillError(
                f"--zeroconf cannot find this host's network address ({error}); give one: --uri tcp://ADDRESS:PORT"
            ) from None
        return str(probe.getsockname()[0])


def service_info(name: str, address: str, port: int) -> AsyncServiceInfo:
    """What is announced: the service `name._wyoming._tcp.local.` at address:port."""
    from zeroconf import BadTypeInNameException
    from zeroconf.asyncio import AsyncServiceInfo

    try:
        return AsyncServiceInfo(
            SERVICE_TYPE,
            f"{name}.{SERVICE_TYPE}",
            addresses=[ipaddress.ip_address(address).packed],
            port=port,
        )
    except BadTypeInNameException as error:
        raise SkillError(
            f"--zeroconf {name!r} is not a usable service name ({error}); choose a short plain name"
        ) from None


class Advertisement:
    """The service announced on the network from start() until stop() (which says goodbye)."""

    def __init__(self, info: AsyncServiceInfo, address: str) -> None:
        self.info = info
        self.address = address
        self._zeroconf: AsyncZeroconf | None = None

    async def start(self) -> None:
        from zeroconf.asyncio import AsyncZeroconf

        if ipaddress.ip_address(self.address).is_loopback:
            _LOGGER.warning("zeroconf announces %s, a loopback address: only this machine can connect", self.address)
        self._zeroconf = AsyncZeroconf(interfaces=[self.address])
        await self._zeroconf.async_register_service(self.info, allow_name_change=True)
        _LOGGER.info("announced as %s at %s:%d", self.info.name, self.address, self.info.port)

    async def stop(self) -> None:
        zeroconf, self._zeroconf = self._zeroconf, None
        if zeroconf is not None:
            await zeroconf.async_unregister_all_services()
            await zeroconf.async_close()
