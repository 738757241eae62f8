#!/usr/bin/env python3
"""Where a bundle's wasm bytes go: its top contributors, by crate and by item.

usage: python3 tests/perf/wasm_top.py [BIN] [N]     (BIN: parvis (the agenda),
inscription, gestion and its areas gestion_editeur, gestion_inscrits, gestion_avis,
gestion_publications, avis, publications; default parvis; N rows, default 10)

Reads target/wasm32-unknown-unknown/wasm-release/BIN.wasm as the release build
(`cargo xtask run`, `cargo xtask bench`, trunk) left it, which still has its
names, and passes it through wasm-bindgen and wasm-opt -Oz as trunk does, but
keeping the names (`--keep-debug`, `-g`): the sizes are those of the shipped
code. Needs wasm-bindgen and node_modules/.bin/wasm-opt (both installed by
`cargo xtask`), and twiggy (`cargo install twiggy --locked`).

A crate's share counts the functions named after it; a generic function
instantiated for a type of another crate counts for the crate of its own
path (`<F as leptos_router::…>::choose` for leptos_router, `serde_json::de::…`
for serde_json), so the derives' `Deserialize` impls count for the crate of
the type (parvis_core). Data segments (the French text, field names, panic
locations) are one line.
"""

import collections
import csv
import io
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def crate_of(name):
    if name.startswith("data segment"):
        return "(data: text, tables, panic locations)"
    if name.startswith(("elem[", "table[", "type[", "import ", "export ", "global[", "memory[", "custom section", '"')):
        return "(wasm structure)"
    receiver = re.match(r"^<(?:&(?:mut )?)?([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?(::| as |<)", name)
    if receiver and receiver.group(2) == "::":
        return receiver.group(1)
    trait = re.match(r"^<.*? as ([A-Za-z_][A-Za-z0-9_]*)", name)
    if trait:
        return trait.group(1)
    plain = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(?:\[[0-9a-f]+\])?::", name)
    return plain.group(1) if plain else "(unnamed: bindgen shims, …)"


def main():
    bin_name = sys.argv[1] if len(sys.argv) > 1 else "parvis"
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    wasm = os.path.join(ROOT, "target/wasm32-unknown-unknown/wasm-release", bin_name + ".wasm")
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            ["wasm-bindgen", "--target", "web", "--no-typescript", "--keep-debug", "--out-dir", out, wasm],
            check=True,
        )
        named = os.path.join(out, "named.wasm")
        subprocess.run(
            [
                os.path.join(ROOT, "node_modules/.bin/wasm-opt"),
                "-Oz", "-g", "--converge", "--enable-bulk-memory", "--enable-nontrapping-float-to-int",
                os.path.join(out, bin_name + "_bg.wasm"), "-o", named,
            ],
            check=True,
        )
        table = subprocess.run(
            ["twiggy", "top", "-n", "1000000", "-f", "csv", named], capture_output=True, text=True, check=True
        ).stdout
    by_crate = collections.Counter()
    items = []
    for row in csv.DictReader(io.StringIO(table)):
        name, size = row["Name"], int(row["ShallowSize"])
        if name.startswith(("Σ", "...")) or "function names" in name:
            continue
        by_crate[crate_of(name)] += size
        items.append((size, re.sub(r"::h[0-9a-f]{16}$", "", name)))
    total = sum(by_crate.values())
    print(f"{bin_name}.wasm: {total} bytes of code and data (before brotli)")
    print(f"top {rows} crates:")
    for crate, size in by_crate.most_common(rows):
        print(f"{size:>9} {100 * size / total:5.1f} %  {crate}")
    print(f"top {rows} items:")
    for size, name in sorted(items, reverse=True)[:rows]:
        print(f"{size:>9} {100 * size / total:5.1f} %  {name[:140]}")


if __name__ == "__main__":
    main()
