#!/usr/bin/env python3
"""Checks the exactly-once conditions of a daemon wave after it finished.

Used by the fault-injection tests (daemon-faults.sh, daemon-slots.sh) and the
soak benchmark (bench/soak.sh). Given the output folder, the watch folder, the
daemon's `hyperctl --json list-jobs` answer and what was dropped, it checks:

  jobs     one job per VM, every one `done`; attempts: as given for a job
           named in --attempts, otherwise 1 + interrupted (a crash is not
           charged; no real failure happened) with no last_error
  output   the output folder holds date folders only, each holding VM
           folders only; exactly one VM folder per job, the one its
           output_path names, named after the VM (<name> or
           <name>-<job id>[-n]); inside: <folder>.xml (a domain of that name
           whose disks are files of this folder), report.json (status
           success, written by the job's last lease: its staging tag),
           one or more disk images qemu-img reads as their extension
           says, nothing else; no '.partial' entry anywhere
  watch    nothing left in the queue, .errors/ absent or empty, every
           source file under .processed/ exactly once with its original
           content (sha256), nothing else there

Exit status 0 when all hold; otherwise each violation is printed, exit 1.

Usage: exactly_once.py --output O --watch Q --jobs LIST-JOBS.json
                       --expect EXPECT.json [--attempts job-1=2 ...]
                       [--ignore NAME ...]
EXPECT.json: {"vms": [{"name": "alpha", "sources": {"alpha.vmdk": "<sha256>"}}, ...]}
--watch and --jobs may be repeated (daemons sharing one output folder: their
queues and job lists together). (Source names are relative to the watch folder; the first one is the one the
job is known by). --ignore names top-level entries of the output folder that
are not results (the daemon's legacy state folder `.daemon`).
"""
import argparse
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

DISK_EXT = {".qcow2": "qcow2", ".raw": "raw", ".img": "raw", ".vmdk": "vmdk", ".vdi": "vdi"}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--output", required=True)
    ap.add_argument("--watch", action="append", required=True)
    ap.add_argument("--jobs", action="append", required=True)
    ap.add_argument("--expect", required=True)
    ap.add_argument("--attempts", action="append", default=[])
    ap.add_argument("--ignore", action="append", default=[])
    a = ap.parse_args()
    problems = []
    bad = problems.append

    jobs = [j for f in a.jobs for j in json.load(open(f))["jobs"]]
    vms = json.load(open(a.expect))["vms"]
    want_attempts = dict(x.split("=", 1) for x in a.attempts)

    # --- jobs -------------------------------------------------------------
    by_first = {}
    for j in jobs:
        first = j["sources"][0] if j["sources"] else None
        if first in by_first:
            bad("two jobs for %s: %s and %s" % (first, by_first[first]["id"], j["id"]))
        by_first[first] = j
    if len(jobs) != len(vms):
        bad("%d jobs for %d VMs: %s" % (len(jobs), len(vms), [(j["id"], j["sources"]) for j in jobs]))
    job_of = {}
    for vm in vms:
        first = next(iter(vm["sources"]))
        j = by_first.get(first)
        if j is None:
            bad("no job for %s (VM %s)" % (first, vm["name"]))
            continue
        job_of[first] = j
        if j["state"] != "done":
            bad("job %s (%s) is %s, not done; last_error %s" % (j["id"], first, j["state"], j.get("last_error")))
        if j["id"] in want_attempts:
            if j["attempts"] != int(want_attempts[j["id"]]):
                bad("job %s (%s): attempts %s, expected %s (interrupted %s)" % (
                    j["id"], first, j["attempts"], want_attempts[j["id"]], j.get("interrupted")))
        else:
            if j["attempts"] != 1 + j.get("interrupted", 0):
                bad("job %s (%s): attempts %s but interrupted %s: an attempt was charged although nothing failed" % (
                    j["id"], first, j["attempts"], j.get("interrupted")))
            if j.get("last_error"):
                bad("job %s (%s) has a last_error: %s" % (j["id"], first, j["last_error"]))
    for j in want_attempts:
        if j not in {x["id"] for x in jobs}:
            bad("no job %s (attempts expected for it)" % j)

    # --- output folder ----------------------------------------------------
    out = a.output
    for root, dirs, files in os.walk(out):
        rel = os.path.relpath(root, out)
        if rel == "." :
            dirs[:] = [d for d in dirs if d not in a.ignore]
            files = [f for f in files if f not in a.ignore]
        for n in dirs + files:
            if "partial" in n:
                bad("staging entry left in the output folder: %s" % os.path.join(rel, n))
    top = sorted(e for e in os.listdir(out) if e not in a.ignore)
    vm_folders = []
    for e in top:
        p = os.path.join(out, e)
        if not os.path.isdir(p) or os.path.islink(p) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", e):
            bad("unexpected entry at the top of the output folder: %s" % e)
            continue
        for v in sorted(os.listdir(p)):
            q = os.path.join(p, v)
            if not os.path.isdir(q) or os.path.islink(q):
                bad("unexpected file in a date folder: %s/%s" % (e, v))
            else:
                vm_folders.append("%s/%s" % (e, v))
    expected_folders = sorted(j["output_path"] for j in job_of.values() if j.get("output_path"))
    if sorted(vm_folders) != expected_folders:
        bad("VM folders in the output %s != the jobs' output_path %s" % (sorted(vm_folders), expected_folders))
    if len(set(expected_folders)) != len(expected_folders):
        bad("two jobs share an output folder: %s" % expected_folders)
    for vm in vms:
        j = job_of.get(next(iter(vm["sources"])))
        if not j:
            continue
        rel = j.get("output_path") or ""
        folder = os.path.join(out, rel)
        base = os.path.basename(rel)
        if not (base == vm["name"] or re.fullmatch(re.escape(vm["name"]) + "-" + re.escape(j["id"]) + r"(-\d+)?", base)):
            bad("job %s: output folder %s is not named after VM %s" % (j["id"], rel, vm["name"]))
        if not os.path.isdir(folder):
            bad("job %s: output folder %s missing" % (j["id"], rel))
            continue
        entries = sorted(os.listdir(folder))
        xml = base + ".xml"
        disks = [e for e in entries if os.path.splitext(e)[1] in DISK_EXT]
        extra = [e for e in entries if e not in (xml, "report.json") and e not in disks]
        if xml not in entries or "report.json" not in entries or not disks or extra:
            bad("job %s: %s holds %s (expected %s, report.json, disk image(s), nothing else)" % (j["id"], rel, entries, xml))
            continue
        try:
            dom = ET.parse(os.path.join(folder, xml)).getroot()
            if dom.tag != "domain" or dom.findtext("name") != base:
                bad("job %s: %s is not a domain named %s (name %r)" % (j["id"], xml, base, dom.findtext("name")))
            srcs = [s.get("file") for s in dom.iter("source") if s.get("file")]
            if sorted(os.path.basename(s) for s in srcs) != sorted(disks):
                bad("job %s: %s names disks %s; the folder holds %s" % (j["id"], xml, srcs, disks))
            for s in srcs:
                if os.path.realpath(os.path.dirname(s)) != os.path.realpath(folder):
                    bad("job %s: %s names a disk outside its folder: %s" % (j["id"], xml, s))
        except ET.ParseError as e:
            bad("job %s: %s: %s" % (j["id"], xml, e))
        try:
            rep = json.load(open(os.path.join(folder, "report.json")))
            if rep.get("status") != "success":
                bad("job %s: report.json status %r" % (j["id"], rep.get("status")))
            # The attempt that renamed the folder into place: the job's last
            # lease (what the coordinator checks before it trusts a folder).
            tag = (rep.get("request") or {}).get("staging_tag", "")
            want = "%s.e%s." % (j["id"], j["epoch"])
            if not tag.startswith(want):
                bad("job %s: report.json was written by attempt %r, not by its lease %s<instance>" % (j["id"], tag, want))
        except ValueError as e:
            bad("job %s: report.json: %s" % (j["id"], e))
        for d in disks:
            r = subprocess.run(["qemu-img", "info", "--output=json", "-U", os.path.join(folder, d)],
                               capture_output=True, text=True)
            fmt = json.loads(r.stdout).get("format") if r.returncode == 0 else None
            if fmt != DISK_EXT[os.path.splitext(d)[1]]:
                bad("job %s: %s/%s: qemu-img reads it as %s (%s)" % (j["id"], rel, d, fmt, r.stderr.strip()))

    # --- watch folder -----------------------------------------------------
    archived = {}
    for w in a.watch:
        left = sorted(e for e in os.listdir(w) if e not in (".processed", ".errors"))
        if left:
            bad("left in the queue %s: %s" % (w, left))
        errors = os.path.join(w, ".errors")
        if os.path.isdir(errors) and os.listdir(errors):
            bad("%s is not empty: %s" % (errors, sorted(os.listdir(errors))))
        for p in glob.glob(os.path.join(w, ".processed", "**"), recursive=True):
            if os.path.isfile(p):
                archived.setdefault(os.path.basename(p), []).append(p)
    expected = {}
    for vm in vms:
        for name, digest in vm["sources"].items():
            expected[os.path.basename(name)] = digest
    for name, digest in expected.items():
        places = archived.get(name, [])
        if len(places) != 1:
            bad("source %s archived %d times: %s" % (name, len(places), places))
        elif digest and sha256(places[0]) != digest:
            bad("source %s archived with a different content: %s" % (name, places[0]))
    for name, places in archived.items():
        if name not in expected:
            bad("unexpected file under .processed/: %s" % places)

    if problems:
        for p in problems:
            print("exactly-once: " + p)
        return 1
    print("exactly-once: %d VM(s), each published once (%s), sources archived once, no staging, no errors"
          % (len(vms), ", ".join("%s a%s" % (j["output_path"], j["attempts"]) for j in job_of.values())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
