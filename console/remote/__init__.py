"""Remote sync tools (Hightouch): the client that talks to them and the run follower.

The plugin renders requests and reads answers (:class:`console.Remote`); this package sends
them and polls runs; ``console/guard/remote_trigger.py`` passes every trigger through the
gate; ``console/cli/remote_cmd.py`` gives each remote its ``martech <connector>`` commands.
"""

from console.remote.client import RemoteClient
from console.remote.follow import Followed, follow
from console.remote.session import RemoteSession

__all__ = ["Followed", "RemoteClient", "RemoteSession", "follow"]
