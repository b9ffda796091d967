"""Atomic writes with the sibling names of dev.plrd.model.AtomicFiles (.NAME.tmp-HEX16, .NAME.old-HEX16), so that the
Java writer's clean-up of a killed writer's leftovers removes this engine's too."""
import os
import re
import secrets
import shutil


def sibling(target, kind):
    target = os.path.abspath(target)
    return os.path.join(os.path.dirname(target), ".%s.%s-%s" % (os.path.basename(target), kind, secrets.token_hex(8)))


def sync_directory(directory):
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_bytes(target, content):
    """A small file under its real name only once it is complete and on disk."""
    temp = sibling(target, "tmp")
    try:
        with open(temp, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temp, target)
        sync_directory(os.path.dirname(os.path.abspath(target)))
    finally:
        if os.path.exists(temp):
            os.remove(temp)


def delete_stale_siblings(target):
    """Deletes what a killed writer of target left (SIGKILL runs no clean-up)."""
    target = os.path.abspath(target)
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        return
    ours = re.compile(r"\.%s\.(tmp|old)-[0-9a-f]{16}" % re.escape(os.path.basename(target)))
    for name in os.listdir(parent):
        if ours.fullmatch(name):
            shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def replace_directory(source, target):
    """Puts directory source in place of target: rename(2) cannot replace a non-empty directory, so an existing
    target is renamed aside first and deleted only once source is in place."""
    parent = os.path.dirname(os.path.abspath(target))
    if not os.path.lexists(target):
        os.rename(source, target)
        sync_directory(parent)
        return
    aside = sibling(target, "old")
    os.rename(target, aside)
    try:
        os.rename(source, target)
    except OSError:
        os.rename(aside, target)
        raise
    sync_directory(parent)
    shutil.rmtree(aside)
