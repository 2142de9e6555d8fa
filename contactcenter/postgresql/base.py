"""Django's PostgreSQL backend, with a health check that costs no round trip.

With CONN_HEALTH_CHECKS, Django runs ``SELECT 1`` on a persistent
connection before its first use in each request: for a webhook, whose only
other statement is its inbox INSERT, that is half the round trips. A
connection the server has dropped (a restart, a failover,
``pg_terminate_backend``, an idle timeout) has the server's farewell and the
end of the stream waiting on its socket, so an idle connection whose socket
is readable is replaced, and one whose socket is quiet is used. The one
thing this misses, a server that vanished without a word (a network
partition), fails the first statement exactly as it would after a
``SELECT 1`` that happened to succeed a moment earlier.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        if self.connection.info.transaction_status != TransactionStatus.IDLE:
            return False  # between requests a connection holds no transaction, failed or open
        # Idle, nothing is owed to us: anything to read is the server
        # hanging up (or a notice we would not use), and either way a fresh
        # connection is the safe choice.
        readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        return not readable
