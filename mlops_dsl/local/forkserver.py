"""A pre-loaded fork server for the local runner's Python programs (the ``train`` program).

    PYTHON forkserver.py FD [MODULE ...]

Run as a script by the interpreter that runs the programs (standard library only; it never
imports mlops_dsl, so it works in a container's own environment too). It imports the MODULEs once,
then forks one child per request read from the socket FD, so a training job starts in
milliseconds instead of paying ~1.3 s of interpreter start and imports, and is still a fresh
process of its own: its own pid and session (it is the leader of a new process group, so the
runner stops it and everything it started with one ``killpg``), environment, working folder,
``sys.argv``, ``sys.path[0]``, stdout and stderr (its log file, stdin ``/dev/null``), random seeds
and exit status; the program runs as ``__main__``, and an uncaught exception, ``sys.exit`` and
``atexit`` behave as in ``python PROGRAM``.

The runner starts one server per (interpreter, program, environment without the per-job
variables): libraries that read the environment when imported (OpenMP, OpenBLAS:
``OMP_NUM_THREADS``) see the same values as the job would.

Protocol, one JSON object per line:
  server -> runner  {"ready": true, "python": "3.11.7", "preloaded": [...], "failed": {name: why}}
  runner -> server  {"id": 1, "argv": [program, arg, ...], "env": {...}, "cwd": "...", "log": "..."}
  server -> runner  {"id": 1, "pid": 1234}  or  {"id": 1, "error": "..."}
                    {"id": 1, "status": 0}  (subprocess's convention: -N when killed by signal N)
When the socket closes (the runner ended, or died) the server kills every child's process group
and exits.
"""
import atexit
import builtins
import errno
import gc
import importlib
import json
import os
import select
import signal
import socket
import sys
import types

PRELOAD_ERROR_CHARS = 300


def preload(modules):
    """Import each module; a module that fails is reported, not fatal (the program will import
    it itself and fail the way it would in a fresh process)."""
    loaded, failed = [], {}
    for name in modules:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except BaseException as error:  # noqa: BLE001 - SystemExit from a module is its failure
            failed[name] = f"{type(error).__name__}: {error}"[:PRELOAD_ERROR_CHARS]
    return loaded, failed


def send(control, message):
    control.sendall((json.dumps(message) + "\n").encode())


def exit_code(status):
    return os.waitstatus_to_exitcode(status)


def kill_groups(pids, sig=signal.SIGKILL):
    """Each program's process group, and the program itself: a child forked a moment ago may
    not have made its own group yet (``become`` calls setsid), and then only its pid names it."""
    for pid in pids:
        for kill in (os.killpg, os.kill):
            try:
                kill(pid, sig)
            except OSError:
                pass


def serve(control):
    """Serve requests until the socket closes (returns None), or, in a forked child, return its
    request (the caller turns the process into the program)."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.signal(signal.SIGCHLD, lambda signum, frame: None)
    signal.set_wakeup_fd(wake_write)
    running = {}  # pid -> request id
    pending = b""
    while True:
        try:
            ready, _, _ = select.select([control, wake_read], [], [])
        except InterruptedError:
            continue
        if wake_read in ready:
            try:
                while os.read(wake_read, 512):
                    pass
            except BlockingIOError:
                pass
        reap(control, running)
        if control not in ready:
            continue
        data = control.recv(1 << 16)
        if not data:
            kill_groups(list(running))
            return None
        pending += data
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            sys.stdout.flush()
            sys.stderr.flush()
            try:
                pid = os.fork()
            except OSError as error:
                send(control, {"id": request["id"], "error": f"fork failed: {error}"})
                continue
            if pid == 0:
                signal.set_wakeup_fd(-1)
                os.close(wake_read)
                os.close(wake_write)
                control.close()
                return request
            running[pid] = request["id"]
            send(control, {"id": request["id"], "pid": pid})


def reap(control, running):
    while running:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        request_id = running.pop(pid, None)
        if request_id is not None:
            send(control, {"id": request_id, "status": exit_code(status)})


def become(request):
    """Turn this forked child into a fresh process of the requested program."""
    os.setsid()  # its own session and process group, as the runner's Popen(start_new_session)
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    log = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.close(devnull)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    program = os.path.abspath(request["argv"][0])
    sys.argv = [program] + list(request["argv"][1:])
    sys.path.insert(0, os.path.dirname(os.path.realpath(program)))  # as `python PROGRAM` does
    reseed()
    return program


def reseed():
    """Fresh random state, as a new interpreter would have (the preloaded modules' state was
    seeded once, in the server)."""
    if "random" in sys.modules:
        sys.modules["random"].seed()
    legacy = sys.modules.get("numpy.random")
    if legacy is not None and hasattr(legacy, "seed"):
        legacy.seed()


def run_as_main(program):
    """Execute ``program`` as ``__main__`` and exit as ``python PROGRAM`` would: status 0, the
    ``sys.exit`` code, or 1 after printing an uncaught exception from the program's first frame;
    an uncaught KeyboardInterrupt ends the process by SIGINT."""
    main = types.ModuleType("__main__")
    main.__dict__.update(__file__=program, __builtins__=builtins, __cached__=None)
    sys.modules["__main__"] = main
    before = set(sys.modules)

    def excepthook(kind, value, tb):
        while tb is not None and tb.tb_frame.f_code.co_filename != program:
            tb = tb.tb_next
        if isinstance(value, BaseException):
            value.__traceback__ = tb  # what the default hook prints
        sys.__excepthook__(kind, value, tb)

    sys.excepthook = excepthook
    interrupted = False
    try:
        with open(program, "rb") as handle:
            code = compile(handle.read(), program, "exec")
        exec(code, main.__dict__)  # noqa: S102 - this is the program the user asked to run
        status = 0
    except SystemExit as stop:
        status = exit_status(stop.code)
    except BaseException:  # noqa: BLE001 - printed as the interpreter prints it
        kind, value, tb = sys.exc_info()
        sys.excepthook(kind, value, tb)
        interrupted = isinstance(value, KeyboardInterrupt)
        status = 1
    leave(status, main, [name for name in sys.modules if name not in before], interrupted)


def exit_status(code):
    """The process status for ``sys.exit(code)``, printing a non-integer code as Python does."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except Exception:  # noqa: BLE001
        pass
    return 1


def leave(status, main, imported, interrupted):
    """End the child the way the interpreter's shutdown does, without tearing down the preloaded
    modules: wait for the program's non-daemon threads, run its ``atexit`` functions, drop its own
    objects (``__main__`` and the modules it imported, so their files are closed and flushed),
    flush Python's and C's streams, then ``os._exit`` (as multiprocessing's forked children do)."""
    try:
        threading = sys.modules.get("threading")
        if threading is not None:
            threading._shutdown()
        atexit._run_exitfuncs()
        for name in imported:
            module = sys.modules.get(name)
            if module is not None and name != "__main__":
                module.__dict__.clear()
        main.__dict__.clear()
        gc.collect()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001 - a closed stream: nothing to flush
                pass
        ctypes_flush()
    finally:
        if interrupted:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.kill(os.getpid(), signal.SIGINT)
        os._exit(status)


def ctypes_flush():
    """fflush(NULL): output a C library buffered with stdio (exit() would flush it)."""
    try:
        import ctypes

        ctypes.CDLL(None).fflush(None)
    except Exception:  # noqa: BLE001 - no libc to call: nothing buffered there either
        pass


def main(argv):
    # This file's folder is not the program's: nothing may be imported from it (a program's
    # `import image` must not find mlops_dsl/local/image.py), so it leaves sys.path first.
    del sys.path[0]
    control = socket.socket(fileno=int(argv[1]))
    loaded, failed = preload(argv[2:])
    # What the gc documentation advises for a process that forks without exec: the preloaded
    # objects go to the permanent generation, so no child's collections (their exit's included,
    # 0.2-0.3 s with xgboost loaded) traverse them or copy their pages.
    # https://docs.python.org/3/library/gc.html#gc.freeze
    gc.freeze()
    send(control, {"ready": True, "python": "%d.%d.%d" % sys.version_info[:3],
                   "preloaded": loaded, "failed": failed})
    try:
        request = serve(control)
    except OSError as error:  # the runner went away mid-message
        if error.errno not in (errno.EPIPE, errno.ECONNRESET):
            raise
        return 0
    if request is None:  # the runner is done: the children are killed, nothing is left to do
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os._exit(0)  # not the interpreter's teardown of every preloaded module (~0.2 s)
    run_as_main(become(request))  # never returns
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
