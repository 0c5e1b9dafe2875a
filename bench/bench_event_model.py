"""The Event's representation: msgspec Struct (``console.events.Event``) vs a slotted dataclass.

Run from the project root (about 20 s)::

    .venv/bin/python -m bench.bench_event_model [--count 100000]

Measures, on the same bodies (``encode_event`` of realistic Segment events: the NDJSON form,
and the warehouse's minus the raw parts the Event already carries):
(a) decoding stored JSON into the model, (b) constructing it from a dict (typed keyword
arguments, and a JSON-ready dict as read from NDJSON), (c) encoding it to JSON. The
dataclass is given its best libraries too (orjson, msgspec's dataclass support), so the
table separates what the model costs from what the JSON library costs.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import operator
import statistics
import sys
import time
import types
import typing
from collections.abc import Callable
from dataclasses import field
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from bench.eventgen import EventStream
from console.events import Event, decode_event, encode_event

try:
    import orjson
except ImportError:  # optional: rows using it are skipped
    orjson = None  # type: ignore[assignment]

RESULTS = Path(__file__).resolve().parent / "results"

_TWINS: dict[type, type] = {}


def twin(struct: type[msgspec.Struct]) -> type:
    """The slotted, keyword-only dataclass with the Struct's fields, types and defaults.

    Built from the Struct itself, so the comparison follows ``Event`` as it evolves; nested
    Structs (Campaign, ClickId, ...) get dataclass twins too.
    """
    if struct not in _TWINS:
        specs: list[Any] = []
        for info in msgspec.structs.fields(struct):
            if info.default_factory is not msgspec.NODEFAULT:
                factory = info.default_factory
                if isinstance(factory, type) and issubclass(factory, msgspec.Struct):
                    factory = twin(factory)
                default = field(default_factory=factory)
            elif info.default is not msgspec.NODEFAULT:
                default = field(default=info.default)
            else:
                default = field()
            specs.append((info.name, _twin_type(info.type), default))
        cls = dataclasses.make_dataclass(f"DC{struct.__name__}", specs, slots=True, kw_only=True)
        cls.__module__ = __name__
        _TWINS[struct] = cls
    return _TWINS[struct]


def _twin_type(tp: Any) -> Any:
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        return twin(tp)
    args = typing.get_args(tp)
    if not args:
        return tp
    mapped = tuple(_twin_type(arg) for arg in args)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return functools.reduce(operator.or_, mapped)
    return origin[mapped] if len(mapped) > 1 else origin[mapped[0]]


def _converter(tp: Any) -> Callable[[Any], Any] | None:
    """How to turn a JSON value into the dataclass's typed value (None: keep as is)."""
    if tp is datetime:
        return datetime.fromisoformat
    if isinstance(tp, type) and issubclass(tp, msgspec.Struct):
        cls = twin(tp)
        inner = _field_converters(tp)
        if not inner:
            return lambda d: cls(**d)

        def build(d: dict[str, Any]) -> Any:
            values = dict(d)
            for name, conv in inner:
                if values.get(name) is not None:
                    values[name] = conv(values[name])
            return cls(**values)

        return build
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        convs = [_converter(a) for a in args if a is not type(None)]
        return convs[0] if len(convs) == 1 else None
    if origin is list and args and (item := _converter(args[0])) is not None:
        return lambda v: [item(x) for x in v]
    return None


def _field_converters(struct: type[msgspec.Struct]) -> list[tuple[str, Callable[[Any], Any]]]:
    found = [(f.name, _converter(f.type)) for f in msgspec.structs.fields(struct)]
    return [(name, conv) for name, conv in found if conv is not None]


DCEvent = twin(Event)
_EVENT_CONVERTERS = _field_converters(Event)


def dc_from_dict(data: dict[str, Any]) -> Any:
    """A DCEvent from a JSON-ready dict (ISO-8601 strings, nested dicts), as one would by hand:
    only the datetime and nested fields are converted."""
    values = dict(data)
    for name, conv in _EVENT_CONVERTERS:
        value = values.get(name)
        if value is not None:
            values[name] = conv(value)
    return DCEvent(**values)


def to_twin(value: Any) -> Any:
    """A Struct value (recursively) as its dataclass twin; other values unchanged."""
    if isinstance(value, msgspec.Struct):
        cls = twin(type(value))
        return cls(**{f: to_twin(getattr(value, f)) for f in value.__struct_fields__})
    if isinstance(value, list):
        return [to_twin(v) for v in value]
    return value


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def dc_to_json_stdlib(event: Any) -> bytes:
    """The dataclass through ``dataclasses.asdict`` and stdlib json."""
    return json.dumps(dataclasses.asdict(event), default=_json_default).encode()


def struct_kwargs(event: Event) -> dict[str, Any]:
    """The Struct's fields as keyword arguments (already typed values)."""
    return {name: getattr(event, name) for name in event.__struct_fields__}


def dc_kwargs(event: Event) -> dict[str, Any]:
    """The same values for the dataclass, with its own nested types."""
    return {name: to_twin(value) for name, value in struct_kwargs(event).items()}


def best_rate(func: Callable[[Any], Any], inputs: list[Any], budget: float = 0.6) -> float:
    """Operations per second: the best of up to 3 passes within ``budget`` seconds in all.

    A pass stops early once the budget is spent (slow implementations see fewer inputs).
    """
    best, used = 0.0, 0.0
    for _ in range(3):
        done, started = 0, time.perf_counter()
        for start in range(0, len(inputs), 1000):
            for item in inputs[start : start + 1000]:
                func(item)
            done = min(start + 1000, len(inputs))
            if used + time.perf_counter() - started > budget:
                break
        elapsed = time.perf_counter() - started
        best, used = max(best, done / elapsed), used + elapsed
        if used > budget:
            break
    return best


def check_equivalent(bodies: list[bytes]) -> None:
    """Both models read the same values from the same bodies (a guard against unfair work)."""
    dc_decoder = msgspec.json.Decoder(DCEvent)
    for body in bodies[:200]:
        expected = decode_event(body)
        for got in (dc_from_dict(json.loads(body)), dc_decoder.decode(body)):
            assert msgspec.convert(msgspec.to_builtins(got), Event) == expected, got


def run(count: int, seed: int) -> list[dict[str, Any]]:
    """Time every operation and implementation; return one row per implementation."""
    print(f"generating {count:,} events ...", file=sys.stderr, flush=True)
    events = EventStream(seed, "model").events(count)
    bodies = [encode_event(e) for e in events]
    check_equivalent(bodies)
    dicts = [json.loads(b) for b in bodies]
    skw = [struct_kwargs(e) for e in events]
    dkw = [dc_kwargs(e) for e in events]
    dcs = [DCEvent(**kw) for kw in dkw]
    dc_decoder = msgspec.json.Decoder(DCEvent)
    encoder = msgspec.json.Encoder()

    cases: list[tuple[str, str, Callable[[Any], Any], list[Any]]] = [
        ("decode stored JSON", "Struct: msgspec Decoder(Event)", decode_event, bodies),
        ("decode stored JSON", "dataclass: json.loads + from_dict",
         lambda b: dc_from_dict(json.loads(b)), bodies),
        ("decode stored JSON", "dataclass: msgspec Decoder(DCEvent)", dc_decoder.decode, bodies),
        ("construct, typed kwargs", "Struct: Event(**kw)", lambda kw: Event(**kw), skw),
        ("construct, typed kwargs", "dataclass: DCEvent(**kw)", lambda kw: DCEvent(**kw), dkw),
        ("construct, JSON dict", "Struct: msgspec.convert(d, Event)",
         lambda d: msgspec.convert(d, Event), dicts),
        ("construct, JSON dict", "dataclass: from_dict(d)", dc_from_dict, dicts),
        ("construct, JSON dict", "dataclass: msgspec.convert(d, DCEvent)",
         lambda d: msgspec.convert(d, DCEvent), dicts),
        ("encode JSON", "Struct: msgspec encode", encode_event, events),
        ("encode JSON", "dataclass: json.dumps(asdict(e))", dc_to_json_stdlib, dcs),
        ("encode JSON", "dataclass: msgspec encode", encoder.encode, dcs),
    ]  # fmt: skip
    if orjson is not None:
        cases.insert(2, ("decode stored JSON", "dataclass: orjson.loads + from_dict",
                         lambda b: dc_from_dict(orjson.loads(b)), bodies))  # fmt: skip
        cases.append(("encode JSON", "dataclass: orjson.dumps", orjson.dumps, dcs))

    rows: list[dict[str, Any]] = []
    struct_rate: dict[str, float] = {}
    for operation, impl, func, inputs in cases:
        rate = best_rate(func, inputs)
        struct_rate.setdefault(operation, rate)  # the Struct row comes first in each group
        rows.append(
            {
                "operation": operation,
                "implementation": impl,
                "ops_per_s": round(rate),
                "struct_speedup": round(struct_rate[operation] / rate, 2),
            }
        )
        print(f"  {operation:<24} {impl:<40} {rate:>12,.0f} ops/s", file=sys.stderr)
    rows.append(
        {
            "operation": "sizes",
            "body_bytes_mean": round(statistics.mean(map(len, bodies))),
            "struct_shallow_bytes": sys.getsizeof(events[0]),
            "dataclass_shallow_bytes": sys.getsizeof(dcs[0]),
            "dataclass_orjson_bytes_mean": (
                round(statistics.mean(len(orjson.dumps(d)) for d in dcs[:1000])) if orjson else None
            ),
        }
    )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    """The timing rows as an aligned text table."""
    header = f"{'operation':<25}{'implementation':<42}{'ops/s':>12}{'Struct is':>11}"
    lines = [header, "-" * len(header)]
    last = None
    for r in rows:
        if "ops_per_s" not in r:
            continue
        op = r["operation"] if r["operation"] != last else ""
        last = r["operation"]
        lines.append(
            f"{op:<25}{r['implementation']:<42}{r['ops_per_s']:>12,}{r['struct_speedup']:>10.2f}x"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Run the comparison, print the table and write bench/results/event_model.json."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="events per operation")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=RESULTS / "event_model.json")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    rows = run(args.count, args.seed)
    sizes = rows[-1]
    print(
        f"\nEvent model: {args.count:,} events, stored body ~{sizes['body_bytes_mean']:,} B; "
        f"'Struct is' = Struct ops/s / this row's ops/s\n"
    )
    print(table(rows))
    print(
        f"\nshallow instance size: Struct {sizes['struct_shallow_bytes']} B, slotted dataclass "
        f"{sizes['dataclass_shallow_bytes']} B; total {time.perf_counter() - started:.1f} s"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"count": args.count, "rows": rows}, indent=2) + "\n")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
