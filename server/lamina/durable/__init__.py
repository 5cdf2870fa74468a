"""Durable executions: functions with a DurableConfig checkpoint each step, suspend on waits and
callbacks, and are invoked again to replay until their workflow completes.

The checkpoint semantics are AWS's own reading of them, from `aws-durable-execution-sdk-python-
testing` (Lamina's optional `durable` extra; it needs Python 3.11+). Lamina adds what that runner
lacks: its state in Lamina's data dir (survives kill -9), timers that resume after a restart, and
handler invocations through Lamina's runtime pool (`service.DurableService`). `availability` says,
in one line, why durable functions cannot run when the extra is missing.
"""
