#!/usr/bin/python3
# NetworkManager's side of the VPN plugin interface, for the one path
# NetworkManager 1.42 never takes with nm-rove-service (t-nm-secrets.sh):
# ConnectInteractive with the password missing. It calls the service on
# BUS_NAME as NetworkManager would, waits for SecretsRequired, answers
# with NewSecrets holding PASSWORD, and waits for the service to start.
# Then it writes what it saw to OUT (JSON: the SecretsRequired message and
# hints, the states, the IPv4 address), waits until the file STOP exists,
# and disconnects. Exit status 0 when all of that happened in order; a
# D-Bus error of ConnectInteractive goes to OUT as "error".
#
# usage: vpn-plugin-call.py BUS_NAME OUT STOP PASSWORD KEY=VALUE...
import json
import os
import sys

from gi.repository import Gio, GLib

PATH = "/org/freedesktop/NetworkManager/VPN/Plugin"
IFACE = "org.freedesktop.NetworkManager.VPN.Plugin"
STARTED, STOPPED = 4, 6

bus_name, out_path, stop_path, password = sys.argv[1:5]
data = dict(kv.split("=", 1) for kv in sys.argv[5:])
seen = {"secrets_required": [], "states": [], "failures": [], "ip4": None, "error": None}
loop = GLib.MainLoop()
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)


def connection(secrets):
    return {
        "connection": {"id": GLib.Variant("s", "direct"),
                       "uuid": GLib.Variant("s", "5d1f0c2e-2f6b-4d0e-9a51-0d1c2b3a4f50"),
                       "type": GLib.Variant("s", "vpn")},
        "vpn": {"service-type": GLib.Variant("s", "org.freedesktop.NetworkManager.rove"),
                "data": GLib.Variant("a{ss}", data),
                "secrets": GLib.Variant("a{ss}", secrets)},
        "ipv4": {"method": GLib.Variant("s", "auto")},
        "ipv6": {"method": GLib.Variant("s", "ignore")},
    }


def call(method, args, timeout=20000):
    return bus.call_sync(bus_name, PATH, IFACE, method, args, None, 0, timeout, None)


def on_signal(conn, sender, path, iface, name, params):
    if name == "SecretsRequired":
        message, hints = params.unpack()
        seen["secrets_required"].append({"message": message, "hints": hints})
        call("NewSecrets", GLib.Variant("(a{sa{sv}})", (connection({"password": password}),)))
    elif name == "StateChanged":
        seen["states"].append(params.unpack()[0])
        if params.unpack()[0] in (STARTED, STOPPED):
            loop.quit()
    elif name == "Failure":
        seen["failures"].append(params.unpack()[0])
    elif name == "Ip4Config":
        cfg = params.unpack()[0]
        if "address" in cfg:
            a = cfg["address"]
            seen["ip4"] = ".".join(str((a >> s) & 0xff) for s in (0, 8, 16, 24))


bus.signal_subscribe(bus_name, IFACE, None, PATH, None, 0, on_signal)
try:
    call("ConnectInteractive", GLib.Variant("(a{sa{sv}}a{sv})", (connection({}), {})))
    GLib.timeout_add_seconds(20, loop.quit)
    loop.run()
except GLib.Error as e:
    seen["error"] = e.message
with open(out_path, "w") as f:
    json.dump(seen, f)
if not seen["states"] or seen["states"][-1] != STARTED:
    sys.exit("the service did not start: %s" % json.dumps(seen))


def wait_stop():
    if os.path.exists(stop_path):
        loop.quit()
        return False
    return True


GLib.timeout_add(100, wait_stop)
loop.run()
call("Disconnect", None)
