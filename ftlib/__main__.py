import logging
import os
import sys

from ftlib.cli import main

code = main(fresh_process=True)  # the command's own process: see ftlib.cli.main
if "pyarrow" in sys.modules:
    # pyarrow's native thread pools can abort the interpreter's teardown once the command is done ("terminate called
    # without an active exception", exit 134; apache/arrow#34314): seen in 1 of 30 `data inspect` runs on a Parquet
    # file on a busy machine, even with single-threaded reads (ftlib.readers). The work is done: flush what it said
    # and leave without the teardown (locks are flocks, which the OS drops; nothing here registers atexit work).
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # a reader that closed the pipe early (`| head`): nothing left to say to it
            pass
    logging.shutdown()
    os._exit(code)
raise SystemExit(code)
