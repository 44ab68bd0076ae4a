# A fork server for the interop tests' Python snippets (driven by test/support/python-worker.ts).
#
# Importing mlflow costs seconds of CPU; a test file runs dozens of snippets. This process imports
# mlflow once, then forks one child per snippet. The child starts from that pristine post-import
# state (no tracking URI set, no active run, no cached store), so a snippet sees what a fresh
# `python -` would see: its own cwd, environment, __main__, stdout and stderr files, exit code
# (sys.exit(n) -> n, an uncaught exception -> traceback on stderr and 1), exit handlers run at the
# end, and its own process group so the caller can kill it and anything it spawned.
#
# Protocol, one JSON object per line:
#   stdin  <- {"id", "script", "cwd", "env", "stdout", "stderr"}   (stdout/stderr: file paths)
#   stdout -> {"ready": true, "python": "3.x.y"} once, after the imports
#             {"id", "pid"} when the child is forked
#             {"id", "code"} or {"id", "signal"} when it has exited
# The server exits when its stdin closes.
import json
import os
import select
import signal
import sys

PRELOAD = [m for m in os.environ.get("RUNLOG_PY_PRELOAD", "mlflow,mlflow.tracking").split(",") if m]
for _name in PRELOAD:
    __import__(_name)

_out = os.fdopen(os.dup(1), "w", buffering=1)
# Messages go only through _out; nothing the imports print later may corrupt the protocol.
_devnull = os.open(os.devnull, os.O_RDWR)
os.dup2(_devnull, 1)


def send(obj):
    _out.write(json.dumps(obj) + "\n")
    _out.flush()


def run_child(req, wake_r, wake_w):
    """In the forked child: become a fresh `python -` running req["script"]; never returns."""
    code = 1
    try:
        os.setpgid(0, 0)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in (wake_r, wake_w, 0):
            os.close(fd)
        _out.close()
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
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_r, False)
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    send({"ready": True, "python": sys.version.split()[0]})
    ids = {}
    buf = b""
    stdin_open = True
    while stdin_open or ids:
        readers = [wake_r] + ([0] if stdin_open else [])
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
        if 0 in ready:
            chunk = os.read(0, 1 << 16)
            if not chunk:
                stdin_open = False
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if not line.strip():
                    continue
                req = json.loads(line)
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    run_child(req, wake_r, wake_w)
                ids[pid] = req["id"]
                send({"id": req["id"], "pid": pid})
        while ids:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            rid = ids.pop(pid, None)
            if rid is None:
                continue
            if os.WIFSIGNALED(status):
                send({"id": rid, "signal": os.WTERMSIG(status)})
            else:
                send({"id": rid, "code": os.WEXITSTATUS(status)})
        if not stdin_open:
            # The caller is gone: nobody will read the answers; leave the children to their group.
            break


if __name__ == "__main__":
    main()
