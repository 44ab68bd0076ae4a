# A fork server for the interop tests' Python snippets (driven by test/support/python-worker.ts).
#
# Importing mlflow costs seconds of CPU; a test file runs dozens of snippets. This process imports
# mlflow once, then forks one child per snippet. The child starts from that pristine post-import
# state (no tracking URI set, no active run, no cached store), so a snippet sees what a fresh
# `python -` would see: its own cwd, environment, __main__, stdout and stderr files, exit code
# (sys.exit(n) -> n, an uncaught exception -> traceback on stderr and 1), exit handlers run at the
# end, and its own process group so the caller can kill it and anything it spawned.
#
# Protocol, one JSON object per line, on a channel: stdin/stdout, or one connection of the unix
# socket given as `--listen <path>` (then several test processes share this one interpreter):
#   in  <- {"id", "script", "cwd", "env", "stdout", "stderr"}   (stdout/stderr: file paths)
#   out -> {"ready": true, "python": "3.x.y"} once, after the imports (on stdout: once listening;
#          on a connection: when it is accepted)
#          {"id", "pid"} when the child is forked
#          {"id", "code"} or {"id", "signal"} when it has exited
# ids are per channel. A connection that closes only loses its answers: its owner kills the
# process groups it was told about. The server exits when its stdin closes (its owner is gone).
import json
import os
import select
import signal
import socket
import sys

PRELOAD = [m for m in os.environ.get("RUNLOG_PY_PRELOAD", "mlflow,mlflow.tracking").split(",") if m]
for _name in PRELOAD:
    __import__(_name)

_out_fd = os.dup(1)
# Messages go only through _out_fd; nothing the imports print later may corrupt the protocol.
_devnull = os.open(os.devnull, os.O_RDWR)
os.dup2(_devnull, 1)


class Channel:
    """One peer: reads requests from rfd, writes answers to wfd."""

    def __init__(self, rfd, wfd, sock=None):
        self.rfd, self.wfd, self.sock = rfd, wfd, sock
        self.buf = b""
        self.open = True

    def send(self, obj):
        if not self.open:
            return
        data = (json.dumps(obj) + "\n").encode()
        try:
            while data:
                data = data[os.write(self.wfd, data):]
        except OSError:
            self.open = False  # the peer is gone; its owner reaps what it started

    def close(self):
        self.open = False
        if self.sock is not None:
            self.sock.close()


def run_child(req, inherited):
    """In the forked child: become a fresh `python -` running req["script"]; never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in set(inherited) | {0, _out_fd}:
            try:
                os.close(fd)
            except OSError:
                pass
        fd_in = os.open(os.devnull, os.O_RDONLY)
        os.dup2(fd_in, 0)
        out_fd = os.open(req["stdout"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        err_fd = os.open(req["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(out_fd, 1)
        os.dup2(err_fd, 2)
        sys.stdin = open(0, "r", closefd=False)
        sys.stdout = open(1, "w", buffering=1, closefd=False)
        sys.stderr = open(2, "w", buffering=1, closefd=False)
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(req["env"])
        sys.argv = ["-"]
        sys.path[0] = ""  # what `python -` puts first: the working directory
        import types

        main = types.ModuleType("__main__")
        main.__dict__["__builtins__"] = __builtins__
        sys.modules["__main__"] = main
        code = 0
        try:
            exec(compile(req["script"], "<stdin>", "exec"), main.__dict__)
        except SystemExit as e:
            code = exit_code(e)
        except BaseException:
            import traceback

            traceback.print_exc()
            code = 1
        # What interpreter shutdown does: join non-daemon threads, then run atexit handlers.
        try:
            import threading

            threading._shutdown()
        except BaseException:
            pass
        try:
            import atexit

            atexit._run_exitfuncs()
        except BaseException:
            pass
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except BaseException:
            pass
        os._exit(code)


def exit_code(e):
    if e.code is None:
        return 0
    if isinstance(e.code, int):
        return e.code & 0xFF
    try:
        sys.stderr.write(str(e.code) + "\n")
    except BaseException:
        pass
    return 1


def main():
    listen = sys.argv[2] if len(sys.argv) > 2 and sys.argv[1] == "--listen" else None
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    hello = {"ready": True, "python": sys.version.split()[0]}
    channels = {}  # rfd -> Channel
    listener = None
    if listen:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(listen)
        listener.listen(64)
        Channel(0, _out_fd).send(hello)
    else:
        channels[0] = Channel(0, _out_fd)
        channels[0].send(hello)
    ids = {}  # child pid -> (channel, request id)
    while True:
        readers = [wake_r, 0] + [fd for fd in channels if fd != 0] + ([listener] if listener else [])
        try:
            ready, _, _ = select.select(readers, [], [], 1.0)
        except InterruptedError:
            ready = []
        if wake_r in ready:
            try:
                while os.read(wake_r, 512):
                    pass
            except BlockingIOError:
                pass
        if listener is not None and listener in ready:
            try:
                conn, _ = listener.accept()
            except OSError:
                conn = None
            if conn is not None:
                ch = Channel(conn.fileno(), conn.fileno(), conn)
                channels[ch.rfd] = ch
                ch.send(hello)
        if 0 in ready and listener is not None:
            if not os.read(0, 1 << 16):
                break  # the owner is gone
        for fd in [fd for fd in ready if fd in channels]:
            ch = channels[fd]
            try:
                chunk = os.read(fd, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                del channels[fd]
                ch.close()
                if fd == 0:
                    # The caller is gone: nobody will read the answers; leave the children to their group.
                    return
                continue
            ch.buf += chunk
            while b"\n" in ch.buf:
                line, ch.buf = ch.buf.split(b"\n", 1)
                if not line.strip():
                    continue
                req = json.loads(line)
                sys.stderr.flush()
                inherited = [wake_r, wake_w] + list(channels) + ([listener.fileno()] if listener else [])
                pid = os.fork()
                if pid == 0:
                    run_child(req, inherited)
                ids[pid] = (ch, req["id"])
                ch.send({"id": req["id"], "pid": pid})
        while ids:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            entry = ids.pop(pid, None)
            if entry is None:
                continue
            ch, rid = entry
            if os.WIFSIGNALED(status):
                ch.send({"id": rid, "signal": os.WTERMSIG(status)})
            else:
                ch.send({"id": rid, "code": os.WEXITSTATUS(status)})
    if listen:
        try:
            os.unlink(listen)
        except OSError:
            pass


if __name__ == "__main__":
    main()
