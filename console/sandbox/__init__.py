"""``martech sandbox``: the fakes of vendor APIs that plugins register, served on loopback,
so a sync can be rehearsed end to end with no credentials and every failure path tested."""

from console.sandbox.app import SandboxApp
from console.sandbox.server import Sandbox

__all__ = ["Sandbox", "SandboxApp"]
