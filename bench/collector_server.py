"""The server side of ``bench_collector``: the real collector, or the same HTTP stack answering
without storing (the transport ceiling). Prints its URL on the first line, runs until killed.

    python -m bench.collector_server --mode full --db PATH
    python -m bench.collector_server --mode null
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path
from typing import Any

from console.collector import Collector
from console.collector.asgi import read_body, send_response
from console.collector.server import bind_socket
from console.contract import CollectorResponse
from console.host import PluginHost
from console.settings import Settings
from console.taxonomy import load_taxonomy
from console.validation.validator import Validator
from console.warehouse import Warehouse

OK = CollectorResponse.json(200, {"code": 200, "success": True})


async def null_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the request body and answers Segment's 200, storing nothing."""
    if scope["type"] != "http":
        return
    await read_body(receive, 10_000_000)
    await send_response(send, OK)


def serve_null() -> None:
    """The transport ceiling: uvicorn with the same socket setup, no decoding or storage."""
    import uvicorn

    sock = bind_socket("127.0.0.1", 0)
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(null_app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])


def serve_full(db: Path) -> None:
    """The collector exactly as ``martech collect`` runs it (with live validation if wired)."""
    settings = Settings.load()
    host = PluginHost(allow=settings.load_plugins, block=settings.block_plugins).discover()
    taxonomy = load_taxonomy(settings.taxonomy_path)
    with Warehouse(db) as warehouse:
        validator = Validator(taxonomy, host, warehouse)
        collector = Collector(warehouse, host, taxonomy.click_ids, port=0, validator=validator)
        print(collector.listen(), flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        collector.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", choices=("full", "null"), required=True)
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.mode == "null":
        serve_null()
    else:
        serve_full(args.db)


if __name__ == "__main__":
    main()
