#!/bin/bash
# vsphere.client: `hyperctl vms list/info` against the vCenter simulator, each
# answer compared with what govc (govmomi's own client) says about the same
# simulator: the VM list, a VM's CPU, memory, power state, disk and MAC; by
# name and by inventory path. Then the failures a user meets: an unknown VM,
# a wrong password (never printed), a credentials file others can read, an
# unverifiable certificate, a wrong --thumbprint or --ca-file; and what works:
# a 0600 file, the right --thumbprint or --ca-file, --insecure (with its
# warning). session_check.cpp then drives one VsphereSession from four
# threads at once.
# Exits 77 (skipped) only when the simulator kit is not installed.
source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"
source "$SRC_DIR/tests/vsphere/lib/vcsim.sh"

if ! vcsim_available; then
  echo "SKIP: the vCenter simulator kit is not in $VCSIM_KIT (scripts/test.sh builds it)"
  exit 77
fi
HYPERCTL=${H2K_HYPERCTL:?H2K_HYPERCTL must name the hyperctl binary}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/h2k-vsphere-client-XXXXXX")
trap 'stop_vcsim; rm -rf "$WORK"' EXIT
start_vcsim "$WORK"
unset VSPHERE_USERNAME VSPHERE_PASSWORD

# hc NAME ARGS...: runs hyperctl, keeps stdout/stderr in $OUT/NAME.{out,err}, sets RC.
OUT="$WORK/hyperctl"
mkdir -p "$OUT"
hc() {
  local name=$1; shift
  set +e
  "$HYPERCTL" "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
  RC=$?
  set -e
}
# The simulator's password from the environment, as a user would pass it.
vms() { local name=$1; shift; VSPHERE_PASSWORD="$VCSIM_PASSWORD" hc "$name" vms "$@" --vcenter "$VCSIM_HOST" -u "$VCSIM_USER"; }
expect_rc() {  # expect_rc NAME CODE WHAT
  [[ $RC == "$2" ]] || fail "$3: exit $RC, expected $2; stderr: $(cat "$OUT/$1.err")"
}

# --- the VM list equals govc's ------------------------------------------
govc ls /DC0/vm | sort >"$WORK/govc-paths"
[[ $(wc -l <"$WORK/govc-paths") == 4 ]] || fail "the simulator should have 4 VMs: $(cat "$WORK/govc-paths")"
vms list list --insecure
expect_rc list 0 "vms list"
for path in $(cat "$WORK/govc-paths"); do
  grep -q "^$(basename "$path") .*poweredOn\|^$(basename "$path") .*poweredOff" "$OUT/list.out" ||
    fail "vms list does not show $(basename "$path") with its power state: $(cat "$OUT/list.out")"
done
head -1 "$OUT/list.out" | contains -E '^NAME +POWER +CPU +MEMORY' || fail "vms list header: $(head -1 "$OUT/list.out")"
pass "vms list shows the simulator's 4 VMs"

vms list-json --json list --insecure
expect_rc list-json 0 "vms list --json"
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
paths = sorted(vm["path"] for vm in j["vms"])
want = open(sys.argv[2]).read().split()
assert paths == want, f"paths {paths} != govc {want}"
for vm in j["vms"]:
    assert vm["power_state"] in ("poweredOn", "poweredOff", "suspended"), vm
    assert vm["moref"].startswith("vm-"), vm
' "$OUT/list-json.out" "$WORK/govc-paths" || fail "vms list --json does not match govc ls /DC0/vm: $(cat "$OUT/list-json.out")"
pass "vms list --json parses and its paths are govc's"

# --- vms info equals govc vm.info ---------------------------------------
govc vm.info -json /DC0/vm/DC0_H0_VM0 >"$WORK/govc-info.json"
MOREF=$(govc ls -i /DC0/vm/DC0_H0_VM0)  # VirtualMachine:vm-NN
vms info --json info DC0_H0_VM0 --insecure
expect_rc info 0 "vms info DC0_H0_VM0"
compare_info() {  # compare_info OUR-JSON
  python3 - "$1" "$WORK/govc-info.json" "${MOREF#VirtualMachine:}" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
vm = json.load(open(sys.argv[2]))["VirtualMachines"][0]
hw = vm["Config"]["Hardware"]
def check(what, got, want):
    if got != want:
        sys.exit(f"{what}: hyperctl says {got!r}, govc says {want!r}")
check("name", ours["name"], vm["Name"])
check("moref", ours["moref"], sys.argv[3])
check("num_cpu", ours["num_cpu"], hw["NumCPU"])
check("memory_mb", ours["memory_mb"], hw["MemoryMB"])
check("power_state", ours["power_state"], vm["Runtime"]["PowerState"])
check("guest_id", ours["guest_id"], vm["Config"]["GuestId"])
disks = [d for d in hw["Device"] if "CapacityInKB" in d]
check("disk count", len(ours["disks"]), len(disks))
for o, d in zip(ours["disks"], disks):
    want = d.get("CapacityInBytes") or d["CapacityInKB"] * 1024
    check("disk capacity", o["capacity_bytes"], want)
    check("disk file", o["file_name"], d["Backing"]["FileName"])
    check("disk label", o["label"], d["DeviceInfo"]["Label"])
macs = [d["MacAddress"] for d in hw["Device"] if d.get("MacAddress")]
check("MACs", [n["mac"] for n in ours["nics"]], macs)
PY
}
compare_info "$OUT/info.out" || fail "vms info DC0_H0_VM0 --json differs from govc vm.info"
pass "vms info --json: cpu, memory, power state, disk capacity and file, MAC as govc vm.info says"

vms info-path --json info /DC0/vm/DC0_H0_VM0 --insecure
expect_rc info-path 0 "vms info /DC0/vm/DC0_H0_VM0"
compare_info "$OUT/info-path.out" || fail "vms info by inventory path differs from govc vm.info"
vms info-text info DC0_H0_VM0 --datacenter DC0 --insecure
expect_rc info-text 0 "vms info DC0_H0_VM0 --datacenter DC0"
MAC=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nics"][0]["mac"])' "$OUT/info.out")
contains -F "$MAC" <"$OUT/info-text.out" || fail "vms info text does not show the MAC $MAC: $(cat "$OUT/info-text.out")"
contains -F "[LocalDS_0] DC0_H0_VM0/disk1.vmdk" <"$OUT/info-text.out" || fail "vms info text does not show the disk file"
pass "vms info by inventory path and with --datacenter; the text view shows disk and NIC"

# The NIC on the distributed port group shows the port group's name, the one
# govc lists under /DC0/network for that key.
PG_KEY=$(python3 -c '
import json, sys
hw = json.load(open(sys.argv[1]))["VirtualMachines"][0]["Config"]["Hardware"]
print([d for d in hw["Device"] if d.get("MacAddress")][0]["Backing"]["Port"]["PortgroupKey"])' "$WORK/govc-info.json")
NET=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["nics"][0]["network"])' "$OUT/info.out")
[[ $(govc ls -i "/DC0/network/$NET" 2>/dev/null) == "DistributedVirtualPortgroup:$PG_KEY" ]] ||
  fail "vms info names the NIC's network '$NET', but its port group key is $PG_KEY"
pass "vms info names the distributed port group of the NIC ($NET)"

# --- a second VM of the same name, in a folder -----------------------------
# (made under another name, then renamed: the simulator keeps one datastore
# folder per name)
govc folder.create /DC0/vm/team-a >/dev/null
govc vm.create -on=false -folder=/DC0/vm/team-a -pool=/DC0/host/DC0_H0/Resources -ds=LocalDS_0 \
  -net "VM Network" -net.adapter vmxnet3 -disk.controller lsilogic -disk 2G -m 64 -c 2 twin-tmp >/dev/null
govc object.rename /DC0/vm/team-a/twin-tmp DC0_H0_VM0 >/dev/null 2>&1
vms twin-list --json list --insecure
expect_rc twin-list 0 "vms list with a VM in a folder"
python3 -c '
import json, sys
paths = sorted(vm["path"] for vm in json.load(open(sys.argv[1]))["vms"])
assert "/DC0/vm/team-a/DC0_H0_VM0" in paths and len(paths) == 5, paths' "$OUT/twin-list.out" ||
  fail "vms list does not show /DC0/vm/team-a/DC0_H0_VM0: $(cat "$OUT/twin-list.out")"
vms twin-ambiguous info DC0_H0_VM0 --insecure
expect_rc twin-ambiguous 1 "vms info of a name two VMs share"
contains -F "2 VMs on $VCSIM_HOST are named 'DC0_H0_VM0': /DC0/vm/DC0_H0_VM0" <"$OUT/twin-ambiguous.err" ||
  fail "ambiguous name: $(cat "$OUT/twin-ambiguous.err")"
contains -F "/DC0/vm/team-a/DC0_H0_VM0" <"$OUT/twin-ambiguous.err" || fail "ambiguous name error lacks the second path"
contains -F "give the inventory path" <"$OUT/twin-ambiguous.err" || fail "ambiguous name error does not say what to do"
vms twin-info --json info team-a/DC0_H0_VM0 --datacenter DC0 --insecure
expect_rc twin-info 0 "vms info team-a/DC0_H0_VM0 --datacenter DC0"
govc vm.info -json /DC0/vm/team-a/DC0_H0_VM0 >"$WORK/govc-info.json"
MOREF=$(govc ls -i /DC0/vm/team-a/DC0_H0_VM0)
compare_info "$OUT/twin-info.out" || fail "vms info of the VM in team-a differs from govc vm.info"
python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
assert j["disks"][0]["controller_type"] == "lsilogic", j["disks"]
assert j["nics"][0]["adapter_type"] == "vmxnet3" and j["nics"][0]["network"] == "VM Network", j["nics"]' \
  "$OUT/twin-info.out" || fail "the VM in team-a: controller/adapter/network: $(cat "$OUT/twin-info.out")"
pass "a name two VMs share: exit 1 listing both paths; the relative path with --datacenter finds the right one (lsilogic, vmxnet3 on VM Network)"

# --- what goes wrong, said plainly --------------------------------------
vms unknown info no-such-vm --insecure
expect_rc unknown 1 "vms info no-such-vm"
contains -F "VM 'no-such-vm' not found on $VCSIM_HOST" <"$OUT/unknown.err" ||
  fail "unknown VM: $(cat "$OUT/unknown.err")"
vms unknown-path info /DC0/vm/no-such-vm --insecure
expect_rc unknown-path 1 "vms info /DC0/vm/no-such-vm"
contains -F "VM '/DC0/vm/no-such-vm' not found" <"$OUT/unknown-path.err" || fail "unknown path: $(cat "$OUT/unknown-path.err")"
pass "an unknown VM (name or path): exit 1 naming it"

WRONG="wrong-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
VSPHERE_PASSWORD="$WRONG" hc wrong-pw vms list --vcenter "$VCSIM_HOST" -u "$VCSIM_USER" --insecure
expect_rc wrong-pw 1 "a wrong password"
contains -F "login refused for user $VCSIM_USER" <"$OUT/wrong-pw.err" || fail "wrong password: $(cat "$OUT/wrong-pw.err")"
if grep -qF -- "$WRONG" "$OUT/wrong-pw.out" "$OUT/wrong-pw.err"; then fail "the wrong password was printed"; fi
pass "a wrong password: exit 1, login refused, the password not printed"

CRED="$WORK/vsphere credentials.yaml"
printf 'username: %s\npassword: "%s"\n' "$VCSIM_USER" "$VCSIM_PASSWORD" >"$CRED"
chmod 644 "$CRED"
hc cred-open vms list --vcenter "$VCSIM_HOST" --credentials "$CRED" --insecure
expect_rc cred-open 2 "a 0644 credentials file"
contains -F "$CRED: mode 0644 is too open; vSphere credentials must be 0600 (chmod 600 $CRED)" <"$OUT/cred-open.err" ||
  fail "0644 credentials file: $(cat "$OUT/cred-open.err")"
chmod 600 "$CRED"
hc cred-ok --json vms list --vcenter "$VCSIM_HOST" --credentials "$CRED" --insecure
expect_rc cred-ok 0 "a 0600 credentials file"
python3 -c 'import json,sys; assert len(json.load(open(sys.argv[1]))["vms"]) == 5' "$OUT/cred-ok.out" ||
  fail "a 0600 credentials file: $(cat "$OUT/cred-ok.out")"
pass "credentials file: 0644 refused naming the file and the chmod; 0600 works"

# --- TLS -----------------------------------------------------------------
vms tls-default list
expect_rc tls-default 3 "no TLS option against a self-signed certificate"
contains -F "certificate verification failed" <"$OUT/tls-default.err" || fail "default TLS: $(cat "$OUT/tls-default.err")"
contains -F -- "--thumbprint" <"$OUT/tls-default.err" || fail "default TLS error does not name --thumbprint"

FP=$(openssl s_client -connect "$VCSIM_HOST" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)
[[ $FP =~ ^([0-9A-F]{2}:){31}[0-9A-F]{2}$ ]] || fail "cannot read the simulator's certificate fingerprint: '$FP'"
vms tls-pin list --thumbprint "$FP"
expect_rc tls-pin 0 "--thumbprint with the server's SHA-256"
contains -F "DC0_H0_VM0" <"$OUT/tls-pin.out" || fail "--thumbprint: $(cat "$OUT/tls-pin.out")"
vms tls-pin-lower list --thumbprint "$(tr -d : <<<"$FP" | tr A-F a-f)"
expect_rc tls-pin-lower 0 "--thumbprint in lower case without colons"
BAD_FP="00${FP:2}"
[[ $FP != "$BAD_FP" ]] || BAD_FP="11${FP:2}"
vms tls-mismatch list --thumbprint "$BAD_FP"
expect_rc tls-mismatch 3 "a wrong --thumbprint"
contains -F "certificate thumbprint mismatch: server presented $FP, expected $BAD_FP" <"$OUT/tls-mismatch.err" ||
  fail "wrong thumbprint: $(cat "$OUT/tls-mismatch.err")"
vms tls-malformed list --thumbprint "AB:CD"
expect_rc tls-malformed 2 "a malformed --thumbprint"
vms tls-insecure list --insecure
expect_rc tls-insecure 0 "--insecure"
contains -F "warning: --insecure" <"$OUT/tls-insecure.err" || fail "--insecure prints no warning"
[[ $(grep -c "" "$OUT/tls-default.out") == 0 ]] || fail "a refused certificate still printed VMs"
pass "TLS: unverifiable certificate refused with a clear error; right --thumbprint works (any spelling), wrong one refused naming both; --insecure works and warns"

# --ca-file: a second simulator serving a certificate our own CA signed (for
# 127.0.0.1): verified against that CA it works; against another CA, or the
# system store, it is refused.
make_ca() {  # make_ca NAME -> $WORK/NAME-ca.{pem,key}
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=h2k test $1 CA" \
    -keyout "$WORK/$1-ca.key" -out "$WORK/$1-ca.pem" 2>/dev/null
}
make_ca good
make_ca other
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$WORK/server.ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/good-ca.pem" -CAkey "$WORK/good-ca.key" -CAcreateserial \
  -days 2 -extfile "$WORK/server.ext" -out "$WORK/server.pem" 2>/dev/null
CA_PORT=$(vcsim_free_port)
"$VCSIM_KIT/vcsim" -l "127.0.0.1:$CA_PORT" -autostart=false -username "$VCSIM_USER" -password "$VCSIM_PASSWORD" \
  -tlscert "$WORK/server.pem" -tlskey "$WORK/server.key" >"$WORK/vcsim-ca.out" 2>"$WORK/vcsim-ca.log" &
CA_PID=$!
trap 'kill -9 $CA_PID 2>/dev/null || true; stop_vcsim; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do grep -q "^export GOVC_URL" "$WORK/vcsim-ca.out" 2>/dev/null && break; sleep 0.1; done
grep -q "^export GOVC_URL" "$WORK/vcsim-ca.out" || fail "the simulator with our certificate did not start: $(tail -3 "$WORK/vcsim-ca.log")"
ca_vms() { local name=$1; shift; VSPHERE_PASSWORD="$VCSIM_PASSWORD" hc "$name" vms list --vcenter "127.0.0.1:$CA_PORT" -u "$VCSIM_USER" "$@"; }
ca_vms ca-good --ca-file "$WORK/good-ca.pem"
expect_rc ca-good 0 "--ca-file with the CA that signed the server's certificate"
contains -F "DC0_H0_VM0" <"$OUT/ca-good.out" || fail "--ca-file: $(cat "$OUT/ca-good.out")"
ca_vms ca-other --ca-file "$WORK/other-ca.pem"
expect_rc ca-other 3 "--ca-file with a CA that did not sign it"
contains -F "certificate verification failed" <"$OUT/ca-other.err" || fail "--ca-file other CA: $(cat "$OUT/ca-other.err")"
contains -F -- "--ca-file $WORK/other-ca.pem" <"$OUT/ca-other.err" || fail "--ca-file error does not name the CA file"
ca_vms ca-system
expect_rc ca-system 3 "a private CA's certificate against the system store"
kill -9 "$CA_PID" 2>/dev/null || true
pass "--ca-file: the signing CA verifies the server; another CA and the system store are refused"

# --- the session itself: threads, faults, device URLs, refused login -------
VSPHERE_PASSWORD="$VCSIM_PASSWORD" "${H2K_VSPHERE_SESSION_CHECK:?H2K_VSPHERE_SESSION_CHECK must name session_check}" \
  "$VCSIM_HOST" "$VCSIM_USER" "$FP" /DC0/vm/DC0_H0_VM1 >"$OUT/session-check.out" 2>"$OUT/session-check.err" ||
  fail "session_check: $(cat "$OUT/session-check.err")"
cat "$OUT/session-check.out"

# --- the real password and the session never reach the output ------------
if grep -rlF -- "$VCSIM_PASSWORD" "$OUT"/*.out "$OUT"/*.err; then fail "the password appears in hyperctl's output (files above)"; fi
if grep -rl "vmware_soap_session" "$OUT"/*.out "$OUT"/*.err; then fail "the session cookie appears in hyperctl's output"; fi
pass "no hyperctl output holds the password or the session cookie"
