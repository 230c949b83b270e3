#!/usr/bin/env python3
"""unit.layering: fails on any include or link that goes up the layers.

    nodes, tools, bench  ->  actors  ->  storage / engine  ->  messages

  * includes: every `#include "<layer>/..."` in a layer's sources must name a
    layer it may depend on (tests/ may include anything);
  * links: every project library a target links directly must be of such a
    layer (the graph comes from --links, written by layering.cmake);
  * CAF-free code: the actor folders whose deps.cmake sets
    H2K_ACTOR_CAF_FREE_<folder> ON, and the tools, include no <caf/...> and no
    messages/ (which are CAF types), and nothing they link pulls in CAF;
  * hyperctl includes and links the control protocol alone of the daemon (no
    actor library, no CAF) and, for `hyperctl vms`, the engine's vSphere
    client alone; the built binary has no libcaf among its shared libraries.

Usage: check_layering.py --source-dir DIR --links FILE [--hyperctl BINARY]
"""
import argparse
import pathlib
import re
import subprocess
import sys

LAYERS = ("messages", "engine", "storage", "actors", "nodes", "tools", "bench")
# What each layer may include and link, besides itself.
ALLOWED = {
    "messages": set(),
    "engine": {"messages"},
    "storage": {"engine", "messages"},
    "actors": {"storage", "engine", "messages"},
    "nodes": {"actors", "storage", "engine", "messages"},
    "bench": {"actors", "storage", "engine", "messages"},
    # hyperctl speaks JSON lines over a socket: the protocol library and
    # nothing else of the daemon; see TOOLS_ACTORS. `hyperctl vms` asks
    # vCenter itself: see TOOLS_ENGINE.
    "tools": {"actors", "engine"},
}
# The only actors/ folder the tools may use.
TOOLS_ACTORS = {"control_protocol"}
# The only engine/ folders the tools may use (and the libraries they are).
TOOLS_ENGINE = {"vsphere"}
TOOLS_ENGINE_TARGETS = {"h2k_vsphere", "h2k_core"}
SOURCE_SUFFIXES = {".hpp", ".cpp", ".h", ".cc"}
INCLUDE_RE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
CAF_RE = re.compile(r"caf", re.IGNORECASE)


def caf_free_folders(src: pathlib.Path) -> set:
    folders = set()
    for deps in sorted((src / "actors").glob("*/deps.cmake")):
        folder = deps.parent.name
        text = re.sub(r"#.*", "", deps.read_text())
        if re.search(r"set\(\s*H2K_ACTOR_CAF_FREE_%s\s+(ON|TRUE|YES|1)\s*\)" % re.escape(folder), text, re.IGNORECASE):
            folders.add(folder)
    return folders


def check_includes(src: pathlib.Path, caf_free: set, problems: list) -> int:
    checked = 0
    for layer in LAYERS:
        root = src / layer
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix not in SOURCE_SUFFIXES or not path.is_file():
                continue
            rel = path.relative_to(src)
            # actors/<folder>/...: is the folder CAF-free?
            folder = rel.parts[1] if layer == "actors" and len(rel.parts) > 2 else None
            no_caf = layer == "tools" or folder in caf_free
            checked += 1
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                bracket, name = m.groups()
                where = f"{rel}:{number}: {line.strip()}"
                if no_caf and (name.startswith("caf/") or name.startswith("messages/")):
                    problems.append(f"{where}: CAF in CAF-free code ({'tools' if layer == 'tools' else 'actors/' + folder})")
                    continue
                if bracket != '"':
                    continue
                target_layer = name.split("/", 1)[0]
                if "/" not in name or target_layer not in LAYERS + ("tests",):
                    continue  # not a project path ("xxhash.h", "CLI/CLI.hpp" is <...>)
                if target_layer == layer:
                    pass
                elif target_layer not in ALLOWED[layer]:
                    problems.append(f"{where}: {layer}/ must not include from {target_layer}/")
                    continue
                parts = name.split("/")
                if target_layer == "actors" and len(parts) > 2:
                    used = parts[1]
                    if layer == "tools" and used not in TOOLS_ACTORS:
                        problems.append(f"{where}: tools/ may use only actors/{{{','.join(sorted(TOOLS_ACTORS))}}}")
                    elif folder in caf_free and used != folder and used not in caf_free:
                        problems.append(f"{where}: CAF-free actors/{folder} includes actors/{used}, which is not CAF-free")
                if target_layer == "engine" and layer == "tools" and len(parts) > 2 and parts[1] not in TOOLS_ENGINE:
                    problems.append(f"{where}: tools/ may use only engine/{{{','.join(sorted(TOOLS_ENGINE))}}}")
    return checked


def read_links(path: pathlib.Path):
    layer_of, direct, closure = {}, {}, {}
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        kind, name, value = parts
        if kind == "target":
            layer_of[name] = value
        elif kind == "direct":
            direct.setdefault(name, []).append(value)
        elif kind == "closure":
            closure.setdefault(name, []).append(value)
    return layer_of, direct, closure


def is_caf(dep: str) -> bool:
    return bool(CAF_RE.search(dep)) or dep == "h2k_messages"


def check_links(links: pathlib.Path, caf_free: set, problems: list) -> int:
    layer_of, direct, closure = read_links(links)
    for required in ("hyperctl", "h2k_actor_control_protocol", "h2k_actor_settings", "h2k_daemon_config"):
        if required not in layer_of:
            problems.append(f"{links}: no target {required}: the link graph is incomplete (re-run cmake)")
    caf_free_targets = {"h2k_actor_" + f for f in caf_free}
    tools_actor_targets = {"h2k_actor_" + f for f in TOOLS_ACTORS}
    for target, layer in sorted(layer_of.items()):
        for dep in direct.get(target, []):
            dep_layer = layer_of.get(dep)
            if dep_layer is None or dep_layer == layer:
                continue
            if dep_layer not in ALLOWED[layer]:
                problems.append(f"link: {target} ({layer}/) links {dep} ({dep_layer}/): upward")
            elif layer == "tools" and dep_layer == "actors" and dep not in tools_actor_targets:
                problems.append(f"link: {target} (tools/) links {dep}: tools may link only {sorted(tools_actor_targets)}")
            elif layer == "tools" and dep_layer == "engine" and dep not in TOOLS_ENGINE_TARGETS:
                problems.append(f"link: {target} (tools/) links {dep}: of the engine tools may link only {sorted(TOOLS_ENGINE_TARGETS)}")
        if layer == "tools" or target in caf_free_targets:
            for dep in closure.get(target, []):
                if is_caf(dep):
                    problems.append(f"link: {target} must not reach CAF, but links {dep} (through {sorted(direct.get(target, []))})")
                elif layer == "tools" and dep.startswith("h2k_actor_") and dep not in tools_actor_targets:
                    problems.append(f"link: {target} reaches the actor library {dep}")
    return len(layer_of)


def check_binary(binary: pathlib.Path, problems: list) -> None:
    if not binary.exists():
        problems.append(f"{binary}: not built")
        return
    out = subprocess.run(["ldd", str(binary)], capture_output=True, text=True)
    for line in out.stdout.splitlines():
        if re.search(r"libcaf", line):
            problems.append(f"{binary.name} loads {line.strip()}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source-dir", required=True, type=pathlib.Path)
    ap.add_argument("--links", required=True, type=pathlib.Path)
    ap.add_argument("--hyperctl", type=pathlib.Path)
    a = ap.parse_args()
    problems: list = []
    caf_free = caf_free_folders(a.source_dir)
    if not {"settings", "control_protocol"} <= caf_free:
        problems.append(f"actors/settings and actors/control_protocol must be CAF-free (found CAF-free: {sorted(caf_free)})")
    files = check_includes(a.source_dir, caf_free, problems)
    targets = check_links(a.links, caf_free, problems)
    if a.hyperctl:
        check_binary(a.hyperctl, problems)
    for p in problems:
        print("LAYERING:", p)
    print(f"{files} source files, {targets} targets checked; CAF-free actor folders: {', '.join(sorted(caf_free))}; "
          f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
