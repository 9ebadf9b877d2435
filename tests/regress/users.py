#!/usr/bin/env python3
"""User and group switching of children."""

import grp
import os
import pwd
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lib import *  # noqa: E402,F401,F403

ID_RE = re.compile(r"^uid=(\d+) gid=(\d+) groups=([\d,]*)\n$")


def nobody():
    try:
        return pwd.getpwnam("nobody")
    except KeyError:
        skip("no user 'nobody'")


def other_group(pw):
    """A group other than pw's primary group: nogroup if it exists."""
    for name in ("nogroup", "daemon", "bin", "users"):
        try:
            g = grp.getgrnam(name)
        except KeyError:
            continue
        if g.gr_gid != pw.pw_gid:
            return g
    # nogroup may be nobody's primary group (Debian): any other group.
    for g in grp.getgrall():
        if g.gr_gid not in (pw.pw_gid, 0):
            return g
    skip("no group other than nobody's primary group")


def ids_of(port):
    """The uid, gid and set of groups an 'id' service's child has."""
    s = connect(port)
    out = recv_all(s).decode()
    s.close()
    m = ID_RE.match(out)
    check(m, "unexpected id output %r" % out)
    return (int(m.group(1)), int(m.group(2)),
            set(int(g) for g in m.group(3).split(",") if g))


def run_id(spec, **kw):
    p = free_port()
    Daemon("127.0.0.1:%d stream tcp nowait %s %s\n" % (p, spec, helper("id")),
           **kw)
    return ids_of(p)


@test
def user_nobody():
    """user nobody: child runs with nobody's uid, gid and groups"""
    if not IS_ROOT:
        skip("switching users needs root (running as uid %d)" % os.getuid())
    pw = nobody()
    uid, gid, groups = run_id("nobody")
    check_eq(uid, pw.pw_uid, "uid")
    check_eq(gid, pw.pw_gid, "gid")
    want = set(os.getgrouplist("nobody", pw.pw_gid))
    check(groups <= want | {pw.pw_gid},
          "supplementary groups %r, nobody has %r" % (sorted(groups),
                                                      sorted(want)))
    check(0 not in groups or 0 in want, "root's group 0 kept: %r" % groups)


@test
def user_colon_group():
    """user:group: child runs with that group as its gid"""
    if not IS_ROOT:
        skip("switching users needs root (running as uid %d)" % os.getuid())
    pw = nobody()
    g = other_group(pw)
    uid, gid, groups = run_id("nobody:%s" % g.gr_name)
    check_eq(uid, pw.pw_uid, "uid")
    check_eq(gid, g.gr_gid, "gid")
    check(0 not in groups or g.gr_gid == 0, "root's group 0 kept: %r" % groups)


@test
def user_dot_group():
    """user.group: child runs with that group as its gid"""
    if not IS_ROOT:
        skip("switching users needs root (running as uid %d)" % os.getuid())
    pw = nobody()
    g = other_group(pw)
    uid, gid, groups = run_id("nobody.%s" % g.gr_name)
    check_eq(uid, pw.pw_uid, "uid")
    check_eq(gid, g.gr_gid, "gid")


@test
def user_and_group_by_number():
    """a user and group given as numbers, as xinetd allows: the child runs
    with those ids, and the user's supplementary groups (looked up by its
    name) are still set (numbers were 'unknown user'); a number no user
    has is still an error"""
    if not IS_ROOT:
        skip("switching users needs root (running as uid %d)" % os.getuid())
    pw = nobody()
    g = other_group(pw)
    uid, gid, groups = run_id("%d:%d" % (pw.pw_uid, g.gr_gid))
    check_eq((uid, gid), (pw.pw_uid, g.gr_gid), "uid and gid")
    want = set(os.getgrouplist(pw.pw_name, g.gr_gid))
    check(groups <= want | {g.gr_gid} and (0 not in groups or 0 in want),
          "groups %r, want within %r" % (sorted(groups), sorted(want)))
    free = next(n for n in range(4000000, 4100000) if not _has_uid(n))
    rc, out, err = run_pinetd(["-n", write_conf(
        "127.0.0.1:%d stream tcp nowait %d %s\n" % (free_port(), free,
                                                    helper("id")))])
    check(rc == 1 and "unknown user '%d'" % free in err, "%d %r" % (rc, err))


def _has_uid(n):
    try:
        pwd.getpwuid(n)
        return True
    except KeyError:
        return False


def xblock(name, port, user, args, extra):
    return ("service %s\n{\n\tsocket_type = stream\n\twait = no\n"
            "\tuser = %s\n\tport = %d\n\tbind = 127.0.0.1\n"
            "\tserver = %s\n\tserver_args = %s\n%s}\n"
            % (name, user, port, TESTHELPER, args, extra))


@test
def nice_and_rlimits_before_user():
    """user nobody with nice -5 and rlimit_files UNLIMITED: both are set
    while the child is still root, so it runs (it exited 126: nobody may
    not lower its nice value, and no kernel takes an infinite nofile)"""
    if not IS_ROOT:
        skip("switching users needs root (running as uid %d)" % os.getuid())
    nobody()
    p = free_port()
    Daemon(xblock("nl", p, "nobody", "limits",
                  "\tnice = -5\n\trlimit_files = UNLIMITED\n"))
    out = recv_all(connect(p)).decode()
    m = re.match(r"^umask=\d+ nice=(-?\d+) nofile=(-?\d+) cpu=", out)
    check(m, "limits output %r" % out)
    check_eq(m.group(1), "-5", "nice")
    check(int(m.group(2)) > 1024, "nofile %s" % m.group(2))


@test
def console_opened_as_the_user():
    """console = FILE for a service running as nobody is opened as nobody
    (with the service's umask), never as root: a file only root may write
    is refused, and a new one belongs to nobody"""
    if not IS_ROOT:
        skip("switching users needs root (running as uid %d)" % os.getuid())
    pw = nobody()
    top = tmpdir()
    os.chmod(top, 0o777)
    rootonly = os.path.join(top, "rootonly.log")
    with open(rootonly, "w"):
        pass
    os.chmod(rootonly, 0o600)
    fresh = os.path.join(top, "fresh.log")
    p, q = free_port(), free_port()
    d = Daemon(xblock("c1", p, "nobody", "env", "\tconsole = %s\n"
                      % rootonly)
               + xblock("c2", q, "nobody", "env", "\tconsole = %s\n"
                        "\tumask = 077\n" % fresh))
    recv_all(connect(p))
    d.wait_log(r"^c1/tcp: console %s: Permission denied$" % re.escape(rootonly))
    check_eq(os.path.getsize(rootonly), 0, "bytes written to root's file")
    recv_all(connect(q))
    wait_until(lambda: os.path.exists(fresh) and os.path.getsize(fresh) > 0,
               what="the server's output in %s" % fresh)
    st = os.stat(fresh)
    check_eq(st.st_uid, pw.pw_uid, "owner of the console file")
    check_eq(st.st_mode & 0o777, 0o600, "mode of the console file")
    d.stop()


@test
def low_rlimit_files_with_console():
    """rlimit_files = 8 with a console file on a daemon holding more
    descriptors than that: the limit is set after the console is open (it
    was set first, and every connection exited 126: Too many open files)"""
    if not IS_ROOT:
        skip("switching users needs root (running as uid %d)" % os.getuid())
    nobody()
    top = tmpdir()
    os.chmod(top, 0o777)
    out = os.path.join(top, "limits.log")
    p = free_port()
    conf = xblock("lf", p, "nobody", "limits", "\tconsole = %s\n"
                  "\trlimit_files = 8\n" % out)
    conf += "".join(xblock("pad%d" % i, free_port(), "nobody", "env", "")
                    for i in range(10))
    d = Daemon(conf)
    check(len(os.listdir("/proc/%d/fd" % d.pid)) > 8 if HAVE_PROC else True,
          "the daemon holds more than 8 descriptors")
    recv_all(connect(p))
    text = wait_until(lambda: os.path.exists(out) and open(out).read(),
                      what="the server's output in %s" % out)
    check(re.search(r"nofile=8 ", text), "limits seen: %r" % text)
    d.stop()


@test
def xinetd_groups_default_is_no():
    """in the xinetd dialect a server gets its user's supplementary groups
    only with groups = yes, as in xinetd, whose default is no (pinetd gave
    them always); a BSD entry gets them, as from inetd"""
    if not IS_ROOT:
        skip("switching users needs root (running as uid %d)" % os.getuid())
    pw = nobody()
    gid = 60000
    while True:
        try:
            grp.getgrgid(gid)
            gid += 1
        except KeyError:
            break
    pre = private_etc_file("group", "pinetdtest:x:%d:%s\n"
                           % (gid, pw.pw_name))
    p, q, r = free_port(), free_port(), free_port()
    block = ("service %s\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n"
             "\twait = no\n\tuser = nobody\n\tport = %d\n"
             "\tbind = 127.0.0.1\n\tserver = %s\n\tserver_args = id\n%s}\n")
    d = Daemon(block % ("dflt", p, TESTHELPER, "") +
               block % ("yes", q, TESTHELPER, "\tgroups = yes\n"),
               preexec_fn=pre)
    uid, g, groups = ids_of(p)
    check_eq((uid, g), (pw.pw_uid, pw.pw_gid), "uid and gid, default")
    check(gid not in groups, "groups %r with no groups line" % groups)
    uid, g, groups = ids_of(q)
    check(gid in groups, "groups %r with groups = yes" % groups)
    d.stop()
    d = Daemon("127.0.0.1:%d stream tcp nowait nobody %s\n"
               % (r, helper("id")), preexec_fn=pre)
    uid, g, groups = ids_of(r)
    check(gid in groups, "groups %r of a BSD entry" % groups)
    d.stop()


@test
def user_root_stays_root():
    """user root: child keeps uid 0"""
    if not IS_ROOT:
        skip("needs root (running as uid %d)" % os.getuid())
    uid, gid, groups = run_id("root")
    check_eq(uid, 0, "uid")
    check_eq(gid, pwd.getpwnam("root").pw_gid, "gid")


@test
def non_root_daemon_runs_children_as_itself():
    """daemon not root: warning names the service, child runs as daemon user"""
    if IS_ROOT:
        pw = nobody()
        d = tmpdir()
        os.chmod(d, 0o777)
        conf_dir = d

        def preexec():
            os.setgroups([])
            os.setgid(pw.pw_gid)
            os.setuid(pw.pw_uid)
        # The daemon and the helper must be reachable by nobody.
        for path in (PINETD, TESTHELPER):
            if not os.access(path, os.X_OK):
                skip("%s missing" % path)
        want_uid, want_gid = pw.pw_uid, pw.pw_gid
        user = "root"
    else:
        preexec = None
        conf_dir = None
        want_uid, want_gid = os.getuid(), os.getgid()
        user = "root"
    p = free_port()
    conf = write_conf("127.0.0.1:%d stream tcp nowait %s %s\n"
                      % (p, user, helper("id")), conf_dir)
    os.chmod(conf, 0o644)
    try:
        dmn = Daemon(conf, preexec_fn=preexec)
    except Failure:
        if IS_ROOT:
            # nobody may not be able to reach the build tree.
            with open(os.path.join(os.path.dirname(conf), "pinetd.log")) as f:
                log = f.read()
            if "Permission denied" in log:
                skip("nobody cannot run the daemon here: %s" % log.strip())
        raise
    log = dmn.log()
    before = log[:log.index("ready:")]
    warn = [line for line in before.split("\n")
            if "127.0.0.1:%d" % p in line and "listening on" not in line]
    check(warn, "no load warning naming the service; log: %r" % log)
    s = connect(p)
    out = recv_all(s).decode()
    s.close()
    m = ID_RE.match(out)
    check(m, "unexpected id output %r" % out)
    check_eq(int(m.group(1)), want_uid, "uid")
    check_eq(int(m.group(2)), want_gid, "gid")
    dmn.stop()



@test
def program_checked_for_the_user():
    """at load, a program its service's user may not execute (mode 0700,
    owned by root, for nobody) or a directory is warned about, since every
    connection would fail; the same program for root, or one any user may
    run, is not (the check ran as the daemon, root, and passed both); a
    group-only program is for the user in that group, not the same user
    in his own group on the next line (the check is remembered with the
    credentials it was made for)"""
    pw = nobody()
    gr = other_group(pw)
    top = tmpdir()
    script = write_file(os.path.join(top, "rootonly"), "#!/bin/sh\necho hi\n")
    os.chmod(script, 0o700)
    grouponly = write_file(os.path.join(top, "grouponly"), "#!/bin/sh\n")
    os.chown(grouponly, 0, gr.gr_gid)
    os.chmod(grouponly, 0o750)
    ports = [free_port() for _ in range(6)]
    nobody_gr = "%s:%s" % (pw.pw_name, gr.gr_name)
    path = write_conf("".join("127.0.0.1:%d stream tcp nowait %s %s x\n"
                              % (p, user, prog) for p, user, prog in (
                                  (ports[0], pw.pw_name, script),
                                  (ports[1], "root", script),
                                  (ports[2], "root", top),
                                  (ports[3], pw.pw_name, TESTHELPER),
                                  (ports[4], nobody_gr, grouponly),
                                  (ports[5], pw.pw_name, grouponly))))
    rc, out, err = run_pinetd(["-n", path])
    check_eq(rc, 0, "status (warnings only)")
    lines = [l for l in err.splitlines() if "server program" in l]
    check_eq(lines, [
        "%s:1: 127.0.0.1:%d/tcp: server program %s: not executable by user "
        "'%s'" % (path, ports[0], script, pw.pw_name),
        "%s:3: 127.0.0.1:%d/tcp: server program %s: is a directory"
        % (path, ports[2], top),
        "%s:6: 127.0.0.1:%d/tcp: server program %s: not executable by user "
        "'%s'" % (path, ports[5], grouponly, pw.pw_name)],
        "warnings (the group's member may, the same user in his own "
        "group may not)")


if __name__ == "__main__":
    run()
