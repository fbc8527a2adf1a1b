#!/bin/sh
# A private system bus's configuration, for the tests' own NetworkManager
# (tests/nm's box, tests/gui/nm-env.sh): the usual system policy, the
# system's policy files (NetworkManager's, NetworkManager-strongswan's)
# and one more directory of them (the installed tree's, or the test's).
#
#   bus-conf.sh LISTEN-ADDRESS POLICY-DIR [SERVICE-DIR]
#
# SERVICE-DIR: activatable services (the installed tree's); without it
# nothing is activated. Prints the XML.
set -eu
cat <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>$1</listen>
  <auth>EXTERNAL</auth>
${3:+  <servicedir>$3</servicedir>
}  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
  </policy>
  <policy user="root">
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Monitoring"/>
  </policy>
  <includedir>/usr/share/dbus-1/system.d</includedir>
  <includedir>/etc/dbus-1/system.d</includedir>
  <includedir>$2</includedir>
</busconfig>
EOF
