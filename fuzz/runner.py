"""The processes a fuzzing job talks to: an interpreter running the driver's
batch mode (fuzz/cpython/trace_batch.py), natively or in Pyodide under Node
(fuzz/pyodide/serve.mjs), and the model (build/pymemref-fuzz-model).  All
three speak the same protocol: `%trace NAME ...` + lines + `%end` in; the
observable events, an optional `%error` line and `%done ...` out."""

import os
import subprocess
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "cpython", "driver.py")
SERVE_MJS = os.path.join(HERE, "pyodide", "serve.mjs")
PYODIDE_VERSIONS = {"3.12": "0.27.7", "3.13": "0.29.3", "3.14": "314.0.7"}


class ProcError(Exception):
    pass


class Answer:
    __slots__ = ("events", "error", "ok", "info")

    def __init__(self, events, error, ok, info):
        self.events = events      # text, one `LINE: EVENT` per line
        self.error = error        # the %error line's text, or None
        self.ok = ok
        self.info = info          # key=value pairs of the %done line

    def same(self, other):
        return (self.ok, self.events, self.error is None) == \
            (other.ok, other.events, other.error is None)


class Proc:
    """One long-lived process answering the batch protocol."""

    def __init__(self, argv, label):
        self.label = label
        self.argv = argv
        try:
            self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, bufsize=0)
        except OSError as e:
            raise ProcError("%s: cannot start %s: %s" % (label, argv[0],
                                                         e.strerror))
        self.writer = None
        self.out = os.fdopen(self.p.stdout.fileno(), "rb", buffering=65536,
                             closefd=False)

    def hello(self):
        self._write(b"%hello\n")
        line = self.out.readline().decode()
        if not line.startswith("%info"):
            raise ProcError("%s: no answer to %%hello (got %r)"
                            % (self.label, line[:200]))
        return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)

    def _write(self, data):
        # stdin is unbuffered: a raw write may take only part of the data
        view = memoryview(data)
        try:
            while view:
                n = self.p.stdin.write(view)
                view = view[n or 0:]
        except (BrokenPipeError, OSError):
            pass              # seen as end of output by the reader

    def run(self, blocks):
        """Send the blocks (each `%trace ...` to `%end\\n`, bytes) and
        return their Answers in order."""
        self.send(blocks)
        return self.receive(len(blocks))

    def send(self, blocks):
        """Start sending BLOCKS; receive() reads their answers."""
        data = b"".join(blocks)
        if len(data) < 32768:
            self._write(data)
            self.writer = None
        else:                   # a writer thread: the pipe could fill both ways
            self.writer = threading.Thread(target=self._write, args=(data,))
            self.writer.start()

    def receive(self, n):
        try:
            return [self._answer() for _ in range(n)]
        finally:
            if self.writer is not None:
                self.writer.join()
                self.writer = None

    def receive_upto_crash(self, n):
        """As receive(), except that when the process dies by a signal
        (a crash of the interpreter, not of the protocol), the trace it
        was running gets a crash Answer (info `crashed=SIGNAL`) and the
        list ends there: the caller restarts the process for the rest."""
        answers = []
        try:
            for _ in range(n):
                answers.append(self._answer())
        except ProcError:
            code = self.p.wait()
            if code is None or code >= 0:
                raise
            answers.append(Answer("", "the interpreter crashed (signal %d)"
                                  % -code, False, {"crashed": str(-code)}))
        finally:
            if self.writer is not None:
                self.writer.join()
                self.writer = None
        return answers

    def control(self, line):
        """Send one control line (`%mode single`, ...) and read its %done."""
        self._write(line.encode() + b"\n")
        return self._answer()

    def _answer(self):
        events = []
        error = None
        while True:
            line = self.out.readline()
            if not line:
                code = self.p.poll()
                raise ProcError("%s: the process ended (status %s)"
                                % (self.label, code))
            if line.startswith(b"%done"):
                parts = line.decode().split()
                info = dict(kv.split("=", 1) for kv in parts[2:] if "=" in kv)
                return Answer(b"".join(events).decode(), error,
                              len(parts) > 1 and parts[1] == "ok", info)
            if line.startswith(b"%error"):
                error = line[7:].decode().rstrip("\n")
            else:
                events.append(line)

    def cpu(self):
        """CPU seconds the process used so far (Linux /proc), or None."""
        try:
            with open("/proc/%d/stat" % self.p.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / \
                os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def close(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def interpreter_argv(python=None, pyodide=None):
    if python:
        return [python, DRIVER, "--batch"], python
    node = os.environ.get("NODE", "node")
    return [node, SERVE_MJS, PYODIDE_VERSIONS[pyodide],
            os.path.join(HERE, "cpython")], "pyodide-%s" % PYODIDE_VERSIONS[pyodide]


def block(name, text, header=""):
    return ("%%trace %s%s\n%s%%end\n" % (name, header, text)).encode()
