"""The listening socket of `yibao telegram --webhook` and `yibao web`, made before the server
starts, so an address that cannot be listened on is one clear line in the operator's language
(`ListenError.message(lang)`), not uvicorn's exit from inside the event loop."""

from __future__ import annotations

import errno
import socket
from typing import Literal

ListenProblem = Literal["in_use", "not_here", "denied", "failed"]


class ListenError(OSError):
    """The address cannot be listened on: `problem` says why (in use, not this machine's, not
    allowed), `detail` the system's own words. str() is the English sentence, for logs."""

    def __init__(self, problem: ListenProblem, listen: str, port: int, detail: str) -> None:
        super().__init__(problem)
        self.problem: ListenProblem = problem
        self.listen = listen
        self.port = port
        self.detail = detail

    def message(self, lang: str) -> str:
        from dialogs.rendering import render_template

        text = render_template("cli/listen_error.j2", lang, "text", problem=self.problem,
                               listen=self.listen, port=self.port, detail=self.detail)
        return " ".join(text.splitlines())

    def __str__(self) -> str:
        return self.message("en")


def _problem(err: OSError) -> ListenProblem:
    if err.errno == errno.EADDRINUSE:
        return "in_use"
    if isinstance(err, socket.gaierror) or err.errno == errno.EADDRNOTAVAIL:
        return "not_here"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "denied"
    return "failed"


def bind(listen: str, port: int) -> socket.socket:
    """The listening socket (non-blocking), or ListenError."""
    try:
        infos = socket.getaddrinfo(listen, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
        family, kind, proto, _, address = infos[0]
        sock = socket.socket(family, kind, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
    except OSError as err:
        raise ListenError(_problem(err), listen, port, err.strerror or str(err)) from err
    sock.setblocking(False)
    return sock
