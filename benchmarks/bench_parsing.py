"""Parsing cost of many `name[]=` entries, beside one value of the same byte size.

A body of 20,000 (and 40,000) `jobids[]=<n>` entries is parsed as the emulator parses every
POST, beside a body of the same length holding a single value: the ratio says what the
entries themselves cost. Target: at most 3x. Before the linear builder this took 20 s for
20,000 entries (every append scanned the whole array).

Two views, both in the same run:

1. `parse_post` — what a request costs: PHP's `max_input_vars` (1,000) stops the reading
   after 1,001 pieces, so the entries past it cost only their bytes.
2. `build_post` of all 20,000 (40,000) pairs with no limit — the array builder itself, to
   show that it is linear with no bound to hide behind.

    .venv/bin/python benchmarks/bench_parsing.py [--entries 20000 40000] [--repeat 30]
"""

from __future__ import annotations

import argparse

from timing import machine, ms, paired_medians

from faxage_sim.wire.forms import build_post, parse_post, parse_urlencoded

URLENCODED = "application/x-www-form-urlencoded"


def bodies(entries: int) -> tuple[bytes, bytes]:
    many = "&".join(f"jobids[]={100000 + i}" for i in range(entries)).encode()
    one = b"jobids=" + b"7" * (len(many) - len(b"jobids="))
    return many, one


def measure(entries: int, repeat: int) -> None:
    many, one = bodies(entries)
    print(f"\n{entries:,} entries, {len(many):,} bytes")
    t_many, t_one = paired_medians(lambda: parse_post(URLENCODED, many),
                                   lambda: parse_post(URLENCODED, one), repeat)
    print(f"  parse_post (max_input_vars applies): entries {ms(t_many)}, one value "
          f"{ms(t_one)}, ratio {t_many / t_one:.2f}x (target <= 3x)")
    pairs = parse_urlencoded(many, max_vars=entries)
    single = parse_urlencoded(one)
    assert len(pairs) == entries and len(build_post(pairs).values["jobids"]) == entries
    t_many, t_one = paired_medians(lambda: parse_urlencoded(many, max_vars=entries),
                                   lambda: parse_urlencoded(one), repeat)
    print(f"  unbounded url-decoding of every entry: {ms(t_many)} vs {ms(t_one)}, "
          f"ratio {t_many / t_one:.2f}x")
    t_build, t_single = paired_medians(lambda: build_post(pairs),
                                       lambda: build_post(single), repeat)
    print(f"  unbounded build_post of every entry: {ms(t_build)} "
          f"({t_build / entries * 1e9:.0f} ns an entry; one value {ms(t_single)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entries", type=int, nargs="+", default=[20_000, 40_000])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    print(machine())
    for entries in args.entries:
        measure(entries, args.repeat)


if __name__ == "__main__":
    main()
