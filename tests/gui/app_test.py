#!/usr/bin/python3
"""Tests of rove-app (gui/) inside app-session.sh, against a real
NetworkManager on a private system bus (nm-env.sh), a real keyring, a real
StatusNotifierWatcher and tray host, driven over D-Bus as a tray host does
and through AT-SPI as a person with a screen reader would.

    app_test.py CASE    (nonm, tray, agent, window)

Environment: ROVE_APP (the binary), ROVE_SRC (the source tree), ROVE_BUILD
(the build tree), ROVE_GUI_OUT (screenshots and logs; kept for people).
"""
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid as uuidlib

import gi
gi.require_version('Gio', '2.0')
from gi.repository import Gio, GLib  # noqa: E402

APP = os.environ['ROVE_APP']
SRC = os.environ['ROVE_SRC']
BUILD = os.environ['ROVE_BUILD']
OUT = os.environ.get('ROVE_GUI_OUT') or os.path.join(BUILD, 'tests', 'gui', 'out')
HERE = os.path.dirname(os.path.abspath(__file__))
SERVICE = 'org.freedesktop.NetworkManager.rove'
os.makedirs(OUT, exist_ok=True)

procs = []      # processes this test started, ended by PID at exit
nmdir = None


def log(*a):
    print('app_test:', *a, flush=True)


class Fail(Exception):
    pass


def wait(what, cond, timeout=20.0):
    """Polls cond() until it returns something true; fails naming what."""
    end = time.monotonic() + timeout
    last = None
    while time.monotonic() < end:
        try:
            last = cond()
        except Exception as e:  # a name not there yet, an AT-SPI hiccup
            last = e
        if last and not isinstance(last, Exception):
            return last
        time.sleep(0.1)
    raise Fail('timed out waiting for %s (last: %r)' % (what, last))


def screenshot(name, window_name=None):
    path = os.path.join(OUT, name + '.png')
    target = 'root'
    if window_name:
        r = subprocess.run(['xdotool', 'search', '--onlyvisible', '--name', '^%s$' % window_name],
                           capture_output=True, text=True)
        if r.stdout.split():
            target = r.stdout.split()[0]
    subprocess.run(['import', '-window', target, path], check=True)
    log('screenshot', path)


# --- NetworkManager -------------------------------------------------------

def nm_env(*args):
    subprocess.run([os.path.join(HERE, 'nm-env.sh')] + list(args), check=True)


def system_bus():
    global nmdir
    nmdir = tempfile.mkdtemp(prefix='rove-gui-nm.')
    nm_env('bus', nmdir)
    os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = 'unix:path=%s/system_bus_socket' % nmdir


def write_connection(name='Work VPN', flags=1):
    """A rove VPN keyfile; the password is agent-owned (flags=1)."""
    u = str(uuidlib.uuid4())
    path = os.path.join(nmdir, 'conn', name.replace(' ', '_') + '.nmconnection')
    with open(path, 'w') as f:
        f.write('[connection]\nid=%s\nuuid=%s\ntype=vpn\nautoconnect=false\n\n'
                '[vpn]\nservice-type=%s\nserver=192.0.2.1\nuser=alice\n'
                'password-flags=%d\n\n[ipv4]\nmethod=auto\n\n[ipv6]\nmethod=disabled\n'
                % (name, u, SERVICE, flags))
    os.chmod(path, 0o600)
    return u


def start_nm():
    nm_env('nm', nmdir)


def nmcli(*args, check=True):
    r = subprocess.run(['nmcli'] + list(args), capture_output=True, text=True)
    if check and r.returncode:
        raise Fail('nmcli %s: %s' % (' '.join(args), r.stderr.strip()))
    return r.stdout


# --- the app ---------------------------------------------------------------

def start_app(*args, lang=None):
    env = dict(os.environ)
    env['ROVE_DATA_DIR'] = os.path.join(SRC, 'data')
    env['ROVE_LOCALE_DIR'] = os.path.join(BUILD, 'po')
    env['G_MESSAGES_DEBUG'] = ''
    if lang:
        env['LANG'] = 'C.UTF-8'
        env['LANGUAGE'] = lang
    logf = open(os.path.join(OUT, '%s-app-%d.log' % (sys.argv[1], len(procs))), 'w')
    p = subprocess.Popen([APP] + list(args), env=env, stdout=logf, stderr=logf)
    procs.append(p)
    return p


def stop(p):
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)


def call(name, path, iface, method, args=None, reply=None):
    return bus.call_sync(name, path, iface, method, args,
                         GLib.VariantType(reply) if reply else None,
                         Gio.DBusCallFlags.NONE, 10000, None)


def watcher_items():
    v = call('org.kde.StatusNotifierWatcher', '/StatusNotifierWatcher',
             'org.freedesktop.DBus.Properties', 'Get',
             GLib.Variant('(ss)', ('org.kde.StatusNotifierWatcher',
                                   'RegisteredStatusNotifierItems')))
    return v.unpack()[0]


def item_name():
    return wait('the tray item at the watcher',
                lambda: [n for n in watcher_items() if 'StatusNotifierItem' in n])[0]


def sni(name, prop):
    v = call(name, '/StatusNotifierItem', 'org.freedesktop.DBus.Properties', 'Get',
             GLib.Variant('(ss)', ('org.kde.StatusNotifierItem', prop)))
    return v.unpack()[0]


def menu(name, method, args, reply=None):
    return call(name, '/MenuBar', 'com.canonical.dbusmenu', method, args, reply).unpack()


def layout(name):
    rev, (rid, props, kids) = menu(name, 'GetLayout', GLib.Variant('(iias)', (0, -1, [])))
    return [(k[0], k[1]) for k in kids]


def menu_item(name, label_start):
    for i, props in layout(name):
        if props.get('label', '').startswith(label_start):
            return i, props
    return None


# --- AT-SPI ---------------------------------------------------------------

def atspi_app(name='rove-app'):
    import pyatspi
    # libatspi learns of new applications from signals: let them in
    ctx = GLib.MainContext.default()
    while ctx.iteration(False):
        pass
    desk = pyatspi.Registry.getDesktop(0)
    for a in desk:
        if a is not None and a.name == name:
            return a
    return None


def find(pred, root=None):
    import pyatspi
    root = root or atspi_app()
    if root is None:
        return None
    return pyatspi.findDescendant(root, pred)


def find_named(name, role=None):
    return find(lambda n: n is not None and n.name == name and
                (role is None or n.getRoleName() == role))


def text_shown(s):
    """A label (or any text) in the app whose text is s."""
    def pred(n):
        if n is None:
            return False
        if n.name == s:
            return True
        try:
            t = n.queryText()
            return t.getText(0, t.characterCount) == s
        except NotImplementedError:
            return False
    return find(pred)


def dump(node, depth=0):
    """The AT-SPI tree under node, for a failed search."""
    if node is None or depth > 12:
        return
    log('  ' * depth + '%s %r' % (node.getRoleName(), node.name))
    for c in node:
        dump(c, depth + 1)


def click(node):
    a = node.queryAction()
    for i in range(a.nActions):
        if a.getName(i) == 'click':
            a.doAction(i)
            return
    a.doAction(0)


def window_visible(title='rove'):
    r = subprocess.run(['xdotool', 'search', '--onlyvisible', '--name', '^%s$' % title],
                       capture_output=True, text=True)
    return bool(r.stdout.split())


# --- the cases -------------------------------------------------------------

def case_nonm():
    """No NetworkManager on the system bus: the app starts and says so in
    the window and the tooltip; it lists the connection once NM starts."""
    # no system bus at all
    os.environ['DBUS_SYSTEM_BUS_ADDRESS'] = 'unix:path=/nonexistent/rove-gui-test'
    app = start_app()
    wait('the window saying there is no system bus',
         lambda: text_shown('NetworkManager is not available'))
    wait('... and why', lambda: find(lambda n: n is not None and
                                     'There is no system D-Bus' in (n.name or '')))
    screenshot('window-no-system-bus', 'rove')
    stop(app)
    log('without a system bus the app starts and says so')

    system_bus()
    u = write_connection()
    start_app()
    wait('the window saying NetworkManager is missing',
         lambda: text_shown('NetworkManager is not available'))
    n = item_name()
    tip = wait('the tooltip', lambda: sni(n, 'ToolTip'))
    if 'NetworkManager is not running' not in tip[3]:
        raise Fail('tooltip without NM: %r' % (tip,))
    log('without NetworkManager, tooltip:', tip[3])
    screenshot('window-no-networkmanager', 'rove')
    start_nm()
    wait('the connection listed after NetworkManager started', lambda: text_shown('Work VPN'))
    wait('the tooltip naming the connection',
         lambda: 'Work VPN: Disconnected' in sni(n, 'ToolTip')[3])
    wait('the menu entry', lambda: menu_item(n, 'Work VPN'))
    log('NetworkManager picked up; connection', u, 'listed')
    screenshot('window-disconnected', 'rove')


def case_tray():
    """The item at the watcher and in the tray host; the whole dbusmenu
    interface as hosts call it; icon and tooltip follow the state; the
    item registers again when the watcher restarts."""
    system_bus()
    write_connection()
    start_nm()
    app = start_app('--background')
    n = item_name()
    log('item', n)
    wait('the connection in the menu', lambda: menu_item(n, 'Work VPN'))
    if window_visible():
        raise Fail('--background with a tray showed the window')
    if sni(n, 'IconName') != 'org.rove.App-disconnected-symbolic':
        raise Fail('icon when disconnected: %s' % sni(n, 'IconName'))
    pix = sni(n, 'IconPixmap')
    sizes = sorted(w for w, h, data in pix if len(data) == w * h * 4)
    if not sizes or not any(data[k] for w, h, data in pix for k in range(0, len(data), 4)):
        raise Fail('IconPixmap empty or transparent: %r' % sizes)
    log('pixmap sizes', sizes)
    if sni(n, 'Menu') != '/MenuBar':
        raise Fail('Menu property')

    # the dbusmenu interface, every method hosts call
    ids = [i for i, p in layout(n)]
    cid, props = menu_item(n, 'Work VPN')
    if props.get('toggle-type') != 'checkmark' or props.get('toggle-state') != 0:
        raise Fail('connection entry: %r' % props)
    if [menu_item(n, 'Open rove')[0], menu_item(n, 'Quit')[0]] != ids[-2:]:
        raise Fail('menu order: %r' % layout(n))
    (group,) = menu(n, 'GetGroupProperties', GLib.Variant('(aias)', (ids, ['label'])))
    labels = dict(group)
    if labels[cid] != {'label': props['label']} or labels[ids[-1]] != {'label': 'Quit'}:
        raise Fail('GetGroupProperties: %r' % group)
    (v,) = menu(n, 'GetProperty', GLib.Variant('(is)', (ids[-2], 'label')))
    if v != 'Open rove':
        raise Fail('GetProperty: %r' % v)
    (need,) = menu(n, 'AboutToShow', GLib.Variant('(i)', (0,)))
    upd, errs = menu(n, 'AboutToShowGroup', GLib.Variant('(ai)', ([0, cid, 4242],)))
    if errs != [4242]:
        raise Fail('AboutToShowGroup id errors: %r' % errs)
    for a, b in (('Version', 3), ('Status', 'normal')):
        got = call(n, '/MenuBar', 'org.freedesktop.DBus.Properties', 'Get',
                   GLib.Variant('(ss)', ('com.canonical.dbusmenu', a))).unpack()[0]
        if got != b:
            raise Fail('dbusmenu %s: %r' % (a, got))
    try:
        menu(n, 'Event', GLib.Variant('(isvu)', (4242, 'clicked', GLib.Variant('i', 0), 0)))
        raise Fail('Event on an unknown id succeeded')
    except GLib.Error:
        pass

    # "Open rove" through Event, as a host that calls Event does
    menu(n, 'Event', GLib.Variant('(isvu)', (ids[-2], 'clicked', GLib.Variant('i', 0), 0)))
    wait('the window after "Open rove"', window_visible)

    # the connection through EventGroup, as the GTK 3 tray host does: with
    # NetworkManager but no rove service installed the attempt fails, the
    # icon and tooltip say so
    signals = []
    bus.signal_subscribe(None, 'org.kde.StatusNotifierItem', None, '/StatusNotifierItem',
                         None, Gio.DBusSignalFlags.NONE,
                         lambda *a: signals.append(a[4]))
    menu_signals = []
    bus.signal_subscribe(None, 'com.canonical.dbusmenu', None, '/MenuBar', None,
                         Gio.DBusSignalFlags.NONE,
                         lambda *a: menu_signals.append((a[4], a[5].unpack())))
    (errs,) = menu(n, 'EventGroup', GLib.Variant('(a(isvu))',
                                                ([(cid, 'clicked', GLib.Variant('i', 0), 0)],)))
    if errs:
        raise Fail('EventGroup errors %r' % errs)
    wait('the failed icon', lambda: sni(n, 'IconName') == 'org.rove.App-failed-symbolic')
    ctx = GLib.MainContext.default()
    wait('NewIcon and NewToolTip', lambda: ctx.iteration(False) or
         ('NewIcon' in signals and 'NewToolTip' in signals))
    tip = sni(n, 'ToolTip')[3]
    if not tip.startswith('Work VPN: Failed ('):
        raise Fail('tooltip after the failure: %r' % tip)
    log('after a failed connect: icon', sni(n, 'IconName'), 'tooltip', repr(tip),
        'status', sni(n, 'Status'))
    wait('ItemsPropertiesUpdated with the failed entry', lambda: ctx.iteration(False) or any(
        name == 'ItemsPropertiesUpdated' and any(i == cid and p.get('label') == 'Work VPN (Failed)'
                                                 for i, p in args[0])
        for name, args in menu_signals))
    # a second connection changes the menu's layout
    rev = menu(n, 'GetLayout', GLib.Variant('(iias)', (0, -1, [])))[0]
    write_connection('Home VPN')
    nmcli('connection', 'reload')
    wait('LayoutUpdated', lambda: ctx.iteration(False) or any(
        name == 'LayoutUpdated' and args[0] > rev for name, args in menu_signals))
    if not menu_item(n, 'Home VPN'):
        raise Fail('the new connection is not in the menu: %r' % layout(n))
    log('dbusmenu signals: ItemsPropertiesUpdated on a state change, LayoutUpdated on a new connection')

    # the watcher restarts: the item registers again
    with open(os.path.join(os.environ['APP_SESSION_DIR'], 'watcher.pid')) as f:
        old = int(f.read())
    os.kill(old, signal.SIGTERM)
    wait('the old watcher gone', lambda: not os.path.exists('/proc/%d' % old) or
         open('/proc/%d/stat' % old).read().split()[2] == 'Z')
    w = subprocess.Popen(['status-notifier-watcher'], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    procs.append(w)
    wait('the item registered at the new watcher', lambda: n in watcher_items())
    log('registered again after the watcher restarted')

    # Quit from the menu
    menu(n, 'Event', GLib.Variant('(isvu)', (ids[-1], 'clicked', GLib.Variant('i', 0), 0)))
    wait('the app to quit', lambda: app.poll() is not None)


def case_traymenu():
    """The item in a real tray host, its menu opened by a right click."""
    system_bus()
    write_connection()
    start_nm()
    start_app('--background')
    n = item_name()
    wait('the connection in the menu', lambda: menu_item(n, 'Work VPN'))
    time.sleep(1)  # let the host draw the icon (a picture, not an assertion)
    screenshot('tray')
    # the host's bar is 32 px at the bottom; the first item sits at its left
    subprocess.run(['xdotool', 'mousemove', '16', '784', 'click', '3'], check=True)
    time.sleep(1)
    screenshot('tray-menu')
    # a click on the connection's entry in the host's menu (the first row)
    # reaches the app: the attempt is made (and fails, no rove service)
    subprocess.run(['xdotool', 'mousemove', '100', '700', 'click', '1'], check=True)
    wait('the failed icon after the click in the tray host',
         lambda: sni(n, 'IconName') == 'org.rove.App-failed-symbolic')
    log('a click in the tray host toggled the connection:', sni(n, 'ToolTip')[3])
    time.sleep(1)
    screenshot('tray-failed')


def secret_lookup(u, key='password'):
    r = subprocess.run(['secret-tool', 'lookup', 'connection-uuid', u,
                        'setting-name', 'vpn', 'setting-key', key],
                       capture_output=True, text=True)
    return r.stdout if r.returncode == 0 else None


def nm_secret(name='Work VPN'):
    out = nmcli('-s', '-g', 'vpn.secrets', 'connection', 'show', name, check=False)
    return out.strip()


def case_agent():
    """The secret agent: NetworkManager gets a password saved by nm-applet's
    schema from the keyring, saves new ones there and deletes them."""
    system_bus()
    u = write_connection()
    start_nm()
    if 'password' in nm_secret():
        raise Fail('NetworkManager has a password before any agent runs')
    # stored as nm-applet stores VPN secrets (no xdg:schema: secret-tool)
    subprocess.run(['secret-tool', 'store', '--label=VPN password secret for Work VPN/%s/vpn'
                    % SERVICE, 'connection-uuid', u, 'setting-name', 'vpn',
                    'setting-key', 'password'], input='from-the-keyring', text=True,
                   check=True)
    start_app('--background')
    got = wait('NetworkManager to get the password through the agent',
               lambda: 'from-the-keyring' in nm_secret() and nm_secret())
    log('GetSecrets through the agent:', got.replace('from-the-keyring', '<the stored one>'))

    nmcli('connection', 'modify', 'Work VPN', 'vpn.secrets', 'password=saved-by-nm')
    wait('the agent to save the new password', lambda: secret_lookup(u) == 'saved-by-nm')
    conf = open(os.path.join(nmdir, 'conn', 'Work_VPN.nmconnection')).read()
    if 'saved-by-nm' in conf:
        raise Fail('an agent-owned password was written into the keyfile')
    r = subprocess.run(['secret-tool', 'search', '--all', 'connection-uuid', u],
                       capture_output=True, text=True)
    attrs = r.stdout + r.stderr
    for want in ('setting-name = vpn', 'setting-key = password',
                 'label = VPN password secret for Work VPN/%s/vpn' % SERVICE):
        if want not in attrs:
            raise Fail('keyring item lacks %r:\n%s' % (want, attrs))
    if attrs.count('\nlabel = ') + attrs.startswith('label = ') != 1:
        raise Fail('not exactly one keyring item for the connection:\n' + attrs)
    log('saved in the keyring with nm-applet\'s attributes')

    nmcli('connection', 'delete', 'Work VPN')
    wait('the agent to delete the password', lambda: secret_lookup(u) is None)
    log('deleted with the connection')


def case_window():
    """The window through AT-SPI: Connect pressed by its label; the failure
    sentence in the window and in a notification; the German window."""
    system_bus()
    write_connection()
    start_nm()
    mon = subprocess.Popen(['dbus-monitor', '--session',
                            "interface='org.freedesktop.Notifications',member='Notify'"],
                           stdout=subprocess.PIPE, text=True)
    procs.append(mon)
    app = start_app()
    btn = wait('the Connect button', lambda: find_named('Connect', 'push button'))
    for label in ('Import a connection', 'Main menu', 'More'):
        wait('the %s button by its label' % label, lambda: find_named(label))
    screenshot('window-disconnected', 'rove')
    click(btn)
    wait('the failure in the window', lambda: text_shown('Last failure'))
    wait('Failed in the window', lambda: text_shown('Failed'))
    screenshot('window-failed', 'rove')
    stop(app)
    mon.terminate()
    out = mon.communicate(timeout=10)[0]
    if 'Work VPN failed' not in out:
        raise Fail('no failure notification; dbus-monitor saw:\n' + out[-2000:])
    log('failure notification sent')

    start_app(lang='de')
    wait('the German Connect button', lambda: find_named('Verbinden', 'push button'))
    wait('German labels', lambda: text_shown('Server'))
    screenshot('window-de', 'rove')


def case_autostart():
    """The preference "Start rove at login" (the app's stateful autostart
    action, as its switch runs it) writes a valid autostart entry and
    removes it again; the app is reached over D-Bus as org.rove.App."""
    system_bus()
    start_app()
    wait('org.rove.App on the bus', lambda: bus.call_sync(
        'org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
        'NameHasOwner', GLib.Variant('(s)', ('org.rove.App',)), None,
        Gio.DBusCallFlags.NONE, -1, None).unpack()[0])
    entry = os.path.join(os.environ['XDG_CONFIG_HOME'], 'autostart', 'org.rove.App.desktop')
    if os.path.exists(entry):
        raise Fail('an autostart entry before it was asked for')

    def set_state(on):
        call('org.rove.App', '/org/rove/App', 'org.gtk.Actions', 'SetState',
             GLib.Variant('(sva{sv})', ('autostart', GLib.Variant('b', on), {})))
    set_state(True)
    wait('the autostart entry', lambda: os.path.exists(entry))
    r = subprocess.run(['desktop-file-validate', entry], capture_output=True, text=True)
    if r.returncode or r.stdout.strip():
        raise Fail('desktop-file-validate on the autostart entry: ' + r.stdout + r.stderr)
    if 'Exec=rove-app --background' not in open(entry).read():
        raise Fail('the autostart entry does not start the app in the background')
    log('autostart entry written and valid:', entry)
    set_state(False)
    wait('the autostart entry removed', lambda: not os.path.exists(entry))


def case_nowatcher():
    """Without a StatusNotifierWatcher the app is a normal window: started
    for autostart (--background) it shows its window all the same."""
    system_bus()
    app = start_app('--background')
    wait('the window although --background', window_visible)
    time.sleep(1)
    if app.poll() is not None:
        raise Fail('the app ended')
    log('no watcher: the window is shown')


def case_activation():
    """org.rove.App is D-Bus activatable and runs once: the session bus
    starts it from its .service file, a second start presents the first."""
    system_bus()
    services = os.path.join(os.environ['XDG_DATA_HOME'], 'dbus-1', 'services')
    os.makedirs(services, exist_ok=True)
    wrapper = os.path.join(os.environ['APP_SESSION_DIR'], 'rove-app-activated')
    with open(wrapper, 'w') as f:
        f.write('#!/bin/sh\nexport ROVE_DATA_DIR=%s ROVE_LOCALE_DIR=%s DBUS_SYSTEM_BUS_ADDRESS=%s\n'
                'exec %s "$@" >%s/app-activated.log 2>&1\n'
                % (os.path.join(SRC, 'data'), os.path.join(BUILD, 'po'),
                   os.environ['DBUS_SYSTEM_BUS_ADDRESS'], APP, OUT))
    os.chmod(wrapper, 0o755)
    with open(os.path.join(services, 'org.rove.App.service'), 'w') as f:
        f.write('[D-BUS Service]\nName=org.rove.App\nExec=%s --gapplication-service\n' % wrapper)
    call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'ReloadConfig')
    call('org.rove.App', '/org/rove/App', 'org.freedesktop.Application', 'Activate',
         GLib.Variant('(a{sv})', ({},)))
    wait('the activated app\'s window', window_visible)
    pid = call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
               'GetConnectionUnixProcessID', GLib.Variant('(s)', ('org.rove.App',))).unpack()[0]
    log('activated by the session bus, pid', pid)
    second = start_app()
    if second.wait(20) != 0:
        raise Fail('the second instance failed')
    pid2 = call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus',
                'GetConnectionUnixProcessID', GLib.Variant('(s)', ('org.rove.App',))).unpack()[0]
    if pid2 != pid:
        raise Fail('a second instance took over org.rove.App')
    log('a second start handed over to the first and exited')
    activate('quit')
    wait('the activated app to quit', lambda: not os.path.exists('/proc/%d' % pid))


def activate(action, arg=None):
    params = [GLib.Variant('s', arg)] if arg is not None else []
    call('org.rove.App', '/org/rove/App', 'org.gtk.Actions', 'Activate',
         GLib.Variant('(sava{sv})', (action, params, {})))


def case_manage():
    """Import a rove profile through the plugin's importer, edit it in the
    plugin's GTK 4 editor, remove it after the confirmation (AT-SPI)."""
    if not os.environ.get('ROVE_NM_PLUGIN'):
        log('SKIP: the NetworkManager plugin (libnm-vpn-plugin-rove.so) is not built')
        sys.exit(77)
    system_bus()
    start_nm()
    start_app()
    wait('the app', lambda: text_shown('No rove connection'))
    prof = os.path.join(nmdir, 'branch-office.conf')
    with open(prof, 'w') as f:
        f.write('[vpn]\nserver=vpn.example.com\nuser=alice\n')
    activate('import-file', prof)
    name = wait('the imported connection in NetworkManager', lambda: [
        l.split(':')[0] for l in nmcli('-t', '-f', 'NAME,TYPE', 'connection').splitlines()
        if l.endswith(':vpn')])[0]
    u = nmcli('-g', 'connection.uuid', 'connection', 'show', name).strip()
    data = nmcli('-g', 'vpn.data', 'connection', 'show', name)
    if 'vpn.example.com' not in data or nmcli('-g', 'vpn.service-type', 'connection', 'show',
                                              name).strip() != SERVICE:
        raise Fail('imported connection: %r' % data)
    wait('the imported connection in the window', lambda: text_shown(name))
    log('imported', prof, 'as', repr(name), data.strip())

    activate('edit', u)
    ed = wait('the editor window', lambda: find_named('Edit “%s”' % name))
    entry = wait('the Name entry', lambda: find(
        lambda n: n is not None and n.name == 'Name' and n.getRoleName() == 'text', ed))
    entry.queryEditableText().setTextContents('Renamed office')
    time.sleep(0.5)
    screenshot('editor', 'Edit “%s”' % name)
    click(find(lambda n: n is not None and n.name == 'Save' and
               n.getRoleName() == 'push button', ed))
    wait('the new name in NetworkManager', lambda: nmcli(
        '-g', 'connection.id', 'connection', 'show', u).strip() == 'Renamed office')
    wait('the new name in the window', lambda: text_shown('Renamed office'))
    log('renamed through the editor window')

    activate('remove', u)
    dlg = wait('the confirmation', lambda: find_named('Remove “Renamed office”?'))
    screenshot('remove-confirmation')
    btn = wait('its Remove button', lambda: find(
        lambda n: n is not None and n.getRoleName() == 'push button' and
        'Remove' in n.name, dlg))
    click(btn)
    wait('the connection gone from NetworkManager',
         lambda: u not in nmcli('-g', 'UUID', 'connection'))
    wait('the window without it', lambda: text_shown('No rove connection'))
    log('removed after the confirmation')


def lan_reachable():
    return subprocess.run(['ip', 'netns', 'exec', os.environ['ROVE_E2E_NS'], 'ping', '-c', '2',
                           '-i', '0.2', '-W', '2', '-q', os.environ['ROVE_E2E_LAN']],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0


def row_value(title):
    """The subtitle beside the window's detail row title (AdwActionRow: the
    two labels share a box)."""
    label = find(lambda n: n is not None and n.name == title and n.getRoleName() == 'label')
    if label is None:
        return None
    names = [c.name for c in label.parent if c is not None and c.getRoleName() == 'label']
    i = names.index(title)
    return names[i + 1] if i + 1 < len(names) and names[i + 1] else None


def answer_dialog(password, remember=True, expect_checked=None):
    def newest_dialog():
        # a closed dialog may linger in AT-SPI: the newest top-level one
        app = atspi_app()
        frames = [w for w in (app or []) if w is not None and w.name == 'VPN password']
        return frames[-1] if frames else None
    dlg = wait('the password dialog', newest_dialog)
    try:
        entry = wait('the password entry by its label', lambda: find(
            lambda n: n is not None and n.name == 'Password' and
            n.getRoleName() in ('password text', 'text', 'entry'), dlg))
    except Fail:
        dump(dlg)
        raise
    entry.queryEditableText().setTextContents(password)
    box = find(lambda n: n is not None and n.name == 'Remember the password', dlg)
    checked = box.getState().contains(__import__('pyatspi').STATE_CHECKED)
    if expect_checked is not None and checked != expect_checked:
        raise Fail('"Remember the password" starts %s' % ('checked' if checked else 'unchecked'))
    if checked != remember:
        # GTK 4.8 gives check buttons no AT-SPI action nor coordinates: a
        # click where the dialog (a fixed layout) has it, checked below
        win = subprocess.run(['xdotool', 'search', '--onlyvisible', '--name', '^VPN password$'],
                             capture_output=True, text=True).stdout.split()
        subprocess.run(['xdotool', 'mousemove', '--window', win[-1], '36', '161', 'click', '1'],
                       check=True)
        wait('"Remember the password" toggled', lambda: box.getState().contains(
            __import__('pyatspi').STATE_CHECKED) == remember, 5)
    screenshot('password-dialog', 'VPN password')
    click(find(lambda n: n is not None and n.name == 'Connect' and
               n.getRoleName() == 'push button', dlg))


def case_e2e():
    """Connect from the tray menu (the password asked once, then in the
    keyring), from the window through AT-SPI (taken from the keyring),
    disconnect from both, a wrong password's sentence; needs t-app-nm.sh."""
    pw = os.environ['ROVE_E2E_PASSWORD']
    gw = os.environ['ROVE_E2E_GW_NAME']
    u = nmcli('-g', 'connection.uuid', 'connection', 'show', 'Work VPN').strip()
    mon = subprocess.Popen(['dbus-monitor', '--session',
                            "interface='org.freedesktop.Notifications',member='Notify'"],
                           stdout=subprocess.PIPE, text=True)
    procs.append(mon)
    app = start_app()
    n = item_name()
    cid, props = wait('the connection in the tray menu', lambda: menu_item(n, 'Work VPN'))
    if lan_reachable():
        raise Fail('the LAN answers before any tunnel')

    # 1. from the tray menu, as the GTK 3 host calls it
    menu(n, 'EventGroup', GLib.Variant('(a(isvu))', ([(cid, 'clicked', GLib.Variant('i', 0), 0)],)))
    answer_dialog(pw, remember=True, expect_checked=True)  # agent-owned
    wait('Connected in the window', lambda: text_shown('Connected'), 60)
    wait('the connected icon', lambda: sni(n, 'IconName') == 'org.rove.App-connected-symbolic')
    vip = wait('the virtual IP in the window', lambda: row_value('Virtual IP'))
    ident = wait('the verified identity in the window', lambda: row_value('Verified server identity'))
    if not vip.startswith('10.3.0.'):
        raise Fail('virtual IP %r not from the pool' % vip)
    if gw not in ident:
        raise Fail('verified identity %r does not name %s' % (ident, gw))
    tip = sni(n, 'ToolTip')[3]
    if 'Work VPN: Connected, ' + vip not in tip:
        raise Fail('tooltip %r' % tip)
    if not lan_reachable():
        raise Fail('no ping through the tunnel')
    if secret_lookup(u) != pw:
        raise Fail('the password was not saved in the keyring')
    log('connected from the tray menu: virtual IP', vip, 'identity', ident, 'tooltip', repr(tip))
    # the service pushes the counters every 5 s while they change
    traffic = wait('the traffic counters in the window', lambda: row_value('Traffic'), 30)
    log('traffic:', traffic, '; connected for:', row_value('Connected for'))
    screenshot('window-connected', 'rove')
    screenshot('tray-connected')

    # the gateway stops answering: rove reconnects (dpd=2 in the profile),
    # the window says so and the icon shows "connecting" until it is back
    gw_ns = os.environ['ROVE_E2E_GW_NS']
    subprocess.run(['ip', 'netns', 'exec', gw_ns, 'nft', '-f', '-'], text=True, check=True,
                   input='table inet rove_app_dead {\n'
                   ' chain in { type filter hook input priority -10; policy accept; iifname "out0" drop; }\n'
                   ' chain out { type filter hook output priority -10; policy accept; oifname "out0" drop; }\n'
                   '}\n')
    wait('Reconnecting in the window', lambda: find(
        lambda x: x is not None and x.getRoleName() == 'label' and
        (x.name or '').startswith('Reconnecting')), 60)
    # the next attempt's time, when rove-statusd has one (nm-rove-service
    # pushes NextAttempt with its state changes and counters only)
    sysbus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
    path = '/org/rove/Status1/connection/' + u.replace('-', '_')

    def next_attempt():
        v = sysbus.call_sync('org.rove.Status1', path, 'org.freedesktop.DBus.Properties', 'Get',
                             GLib.Variant('(ss)', ('org.rove.Status1.Connection', 'NextAttempt')),
                             None, Gio.DBusCallFlags.NONE, 5000, None)
        return v.unpack()[0]
    try:
        wait('rove-statusd\'s NextAttempt', next_attempt, 45)
        nxt = wait('the next attempt\'s time in the window', lambda: find(
            lambda x: x is not None and 'next attempt at' in (x.name or '')), 20)
        log('the window says:', nxt.name)
    except Fail as e:
        if 'NextAttempt' not in str(e):
            raise
        log('rove-statusd published no NextAttempt during this reconnect')
    wait('the connecting icon', lambda: sni(n, 'IconName') == 'org.rove.App-connecting-symbolic')
    screenshot('window-reconnecting', 'rove')
    log('gateway gone: the window says Reconnecting, the icon is', sni(n, 'IconName'))
    subprocess.run(['ip', 'netns', 'exec', gw_ns, 'nft', 'delete', 'table', 'inet',
                    'rove_app_dead'], check=True)
    wait('Connected again after the gateway came back', lambda: text_shown('Connected'), 90)
    wait('the connected icon again', lambda: sni(n, 'IconName') == 'org.rove.App-connected-symbolic')
    log('gateway back: connected again')
    menu(n, 'Event', GLib.Variant('(isvu)', (cid, 'clicked', GLib.Variant('i', 0), 0)))
    wait('Disconnected after the menu', lambda: text_shown('Disconnected'), 30)
    wait('the disconnected icon', lambda: sni(n, 'IconName') == 'org.rove.App-disconnected-symbolic')

    # 2. from the window by the button's label; the keyring has the password
    click(wait('the Connect button', lambda: find_named('Connect', 'push button')))
    wait('Connected again', lambda: text_shown('Connected'), 60)
    if find_named('VPN password'):
        raise Fail('the password was asked again although it is in the keyring')
    if not lan_reachable():
        raise Fail('no ping through the second tunnel')
    # the same, connected, in German: the app restarts, the tunnel stays
    stop(app)
    app = start_app(lang='de')
    wait('the German window, connected', lambda: text_shown('Verbunden'))
    wait('its virtual IP row', lambda: row_value('Virtuelle IP'))
    screenshot('window-de-connected', 'rove')
    stop(app)
    app = start_app()
    n = wait('the new tray item', lambda: [x for x in watcher_items()
                                           if 'StatusNotifierItem' in x and x != n])[0]
    click(wait('the Disconnect button', lambda: find_named('Disconnect', 'push button')))
    wait('Disconnected again', lambda: text_shown('Disconnected'), 30)
    log('connected and disconnected from the window, the password from the keyring')

    # 3. a wrong password: rove's sentence in the window and a notification
    subprocess.run(['secret-tool', 'store', '--label=wrong', 'connection-uuid', u,
                    'setting-name', 'vpn', 'setting-key', 'password'],
                   input='not-the-password', text=True, check=True)
    click(wait('the Connect button', lambda: find_named('Connect', 'push button')))
    why = wait('the failure sentence', lambda: row_value('Last failure'), 60)
    wait('the failed icon', lambda: sni(n, 'IconName') == 'org.rove.App-failed-symbolic')
    log('wrong password:', why)
    screenshot('window-wrong-password', 'rove')
    time.sleep(1)
    mon.terminate()
    out = mon.communicate(timeout=10)[0]
    for want in ('Connected to Work VPN', 'Disconnected from Work VPN', 'Work VPN failed', why):
        if want not in out:
            raise Fail('no notification with %r; dbus-monitor saw:\n%s' % (want, out[-3000:]))
    log('notifications: connected, disconnected, failed with the sentence')

    # 4. the password "not saved" (flag 2): asked every time, never stored
    nmcli('connection', 'modify', 'Work VPN', '+vpn.data', 'password-flags=2')
    for attempt in (1, 2):
        click(wait('the Connect button', lambda: find_named('Connect', 'push button')))
        answer_dialog(pw, remember=False, expect_checked=False)
        wait('Connected with a password not saved', lambda: text_shown('Connected'), 60)
        if secret_lookup(u) is not None:
            raise Fail('a not-saved password is in the keyring')
        click(wait('the Disconnect button', lambda: find_named('Disconnect', 'push button')))
        wait('Disconnected', lambda: text_shown('Disconnected'), 30)
    log('not saved: asked on each of two connects, nothing in the keyring')
    # ticking "Remember" makes it agent-owned again, in the keyring
    click(wait('the Connect button', lambda: find_named('Connect', 'push button')))
    answer_dialog(pw, remember=True, expect_checked=False)
    wait('Connected, remembered', lambda: text_shown('Connected'), 60)
    wait('the password in the keyring', lambda: secret_lookup(u) == pw)
    wait('password-flags 1 in the connection', lambda: 'password-flags = 1' in
         nmcli('-g', 'vpn.data', 'connection', 'show', 'Work VPN'))
    click(wait('the Disconnect button', lambda: find_named('Disconnect', 'push button')))
    wait('Disconnected', lambda: text_shown('Disconnected'), 30)
    log('Remember ticked: the flag is agent-owned again and the password stored')


def main():
    case = sys.argv[1]
    try:
        globals()['case_' + case]()
        log(case, 'passed')
        return 0
    except Fail as e:
        log('FAIL', case + ':', e)
        return 1
    finally:
        for p in reversed(procs):
            stop(p)
        if nmdir:
            nm_env('stop', nmdir)
            for f in ('nm.log', 'system-bus.log'):
                if os.path.exists(os.path.join(nmdir, f)):
                    shutil.copy(os.path.join(nmdir, f), os.path.join(OUT, case + '-' + f))
            shutil.rmtree(nmdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
