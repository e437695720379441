"""Zeroconf discovery: what would be announced to Home Assistant, checked without sending anything."""

from __future__ import annotations

import asyncio

import pytest
import zeroconf.asyncio

from voice_skill.errors import SkillError
from voice_skill.skill import Skill
from voice_skill.wyoming import discovery, server
from voice_skill.wyoming.discovery import SERVICE_TYPE, advertised_address, service_info
from voice_skill.wyoming.server import WyomingServer
from voice_skill.wyoming.settings import ServerSettings

from wyoming_helpers import free_port


@pytest.fixture(autouse=True)
def _no_multicast(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a zeroconf socket fails the test instead of reaching the network."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to start zeroconf")

    monkeypatch.setattr(zeroconf.asyncio, "AsyncZeroconf", refuse)


def test_the_service_is_a_wyoming_service_at_the_given_address_and_port() -> None:
    info = service_info("voice-skill", "192.168.1.20", 10700)
    assert info.type == SERVICE_TYPE == "_wyoming._tcp.local."
    assert info.name == "voice-skill._wyoming._tcp.local."
    assert info.port == 10700
    assert info.parsed_addresses() == ["192.168.1.20"]


def test_an_ipv6_address_is_announced_as_such() -> None:
    assert service_info("voice-skill", "fd00::20", 10700).parsed_addresses() == ["fd00::20"]


def test_a_bound_address_is_announced_as_it_is() -> None:
    assert advertised_address("192.168.1.20") == "192.168.1.20"


@pytest.mark.parametrize("everywhere", ["0.0.0.0", "::"])
def test_listening_everywhere_announces_the_hosts_own_address_never_0_0_0_0(
    monkeypatch: pytest.MonkeyPatch, everywhere: str
) -> None:
    monkeypatch.setattr(discovery, "outgoing_address", lambda: "192.168.1.20")
    assert advertised_address(everywhere) == "192.168.1.20"


def test_an_unusable_name_is_one_clear_error() -> None:
    with pytest.raises(SkillError, match="not a usable service name"):
        service_info("x" * 80, "192.168.1.20", 10700)


def test_zeroconf_needs_a_tcp_server() -> None:
    with pytest.raises(SkillError, match="needs a tcp:// uri"):
        WyomingServer(Skill.load(), ServerSettings(uri="unix:///tmp/voice-skill.sock", zeroconf_name="voice-skill"))


def test_the_server_announces_its_name_address_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    announced = []

    class Recorder:
        def __init__(self, info: zeroconf.asyncio.AsyncServiceInfo, address: str) -> None:
            self.info = info

        async def start(self) -> None:
            announced.append(self.info)

        async def stop(self) -> None:
            announced.append(None)

    monkeypatch.setattr(server, "Advertisement", Recorder)
    port = free_port()

    async def start_and_stop() -> None:
        running = WyomingServer(Skill.load(), ServerSettings(uri=f"tcp://127.0.0.1:{port}", zeroconf_name="kitchen"))
        await running.start()
        await running.stop()

    asyncio.run(start_and_stop())
    info, goodbye = announced
    assert info.name == "kitchen._wyoming._tcp.local."
    assert (info.parsed_addresses(), info.port) == (["127.0.0.1"], port)
    assert goodbye is None
