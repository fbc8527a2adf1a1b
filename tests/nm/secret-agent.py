#!/usr/bin/python3
# A NetworkManager secret agent for the tests (t-nm-secrets.sh), as GNOME
# Shell or nmcli --ask is one: registered on the system bus with the
# VPN-hints capability, it answers GetSecrets for a VPN connection's
# "password" with the next of the answers on its command line (the last
# one repeats; "-" declines, as a user closing the dialog). Each request
# goes to LOG as one JSON line: the setting, the hints (x-vpn-message
# included), the flags, and which answer was given (its index, never the
# value). When it is registered it writes READY.
#
# usage: secret-agent.py LOG READY ANSWER...
import json
import sys

from gi.repository import Gio, GLib

IFACE = "org.freedesktop.NetworkManager.SecretAgent"
XML = f"""<node><interface name='{IFACE}'>
 <method name='GetSecrets'>
  <arg type='a{{sa{{sv}}}}' direction='in'/><arg type='o' direction='in'/>
  <arg type='s' direction='in'/><arg type='as' direction='in'/>
  <arg type='u' direction='in'/><arg type='a{{sa{{sv}}}}' direction='out'/>
 </method>
 <method name='CancelGetSecrets'><arg type='o' direction='in'/><arg type='s' direction='in'/></method>
 <method name='SaveSecrets'><arg type='a{{sa{{sv}}}}' direction='in'/><arg type='o' direction='in'/></method>
 <method name='DeleteSecrets'><arg type='a{{sa{{sv}}}}' direction='in'/><arg type='o' direction='in'/></method>
</interface></node>"""
CAP_VPN_HINTS = 1

log_path, ready_path, answers = sys.argv[1], sys.argv[2], sys.argv[3:]
asked = 0


def note(entry):
    with open(log_path, "a") as f:
        f.write(json.dumps(entry) + "\n")


def on_call(conn, sender, path, iface, method, params, inv):
    global asked
    if method == "GetSecrets":
        connection, con_path, setting, hints, flags = params.unpack()
        i = min(asked, len(answers) - 1)
        asked += 1
        note({"method": method, "id": connection["connection"]["id"], "setting": setting,
              "hints": hints, "flags": flags, "answer": i,
              "declined": answers[i] == "-"})
        if answers[i] == "-":
            inv.return_dbus_error("org.freedesktop.NetworkManager.SecretAgent.UserCanceled",
                                  "the test's user declined")
            return
        secrets = GLib.Variant("a{ss}", {"password": answers[i]})
        inv.return_value(GLib.Variant("(a{sa{sv}})", ({setting: {"secrets": secrets}},)))
        return
    note({"method": method})
    inv.return_value(None)


bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
bus.register_object("/org/freedesktop/NetworkManager/SecretAgent", info, on_call, None, None)
bus.call_sync("org.freedesktop.NetworkManager", "/org/freedesktop/NetworkManager/AgentManager",
              "org.freedesktop.NetworkManager.AgentManager", "RegisterWithCapabilities",
              GLib.Variant("(su)", ("rove.test.agent", CAP_VPN_HINTS)), None, 0, 5000, None)
open(ready_path, "w").close()
GLib.MainLoop().run()
