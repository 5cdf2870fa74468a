"""What the runtime pool knows about one of its environments: its leases, its capacity (1, or a
Managed Instances environment's concurrency) and whether it may still take invocations."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from lamina.runtime.environment import EnvironmentState, ExecutionEnvironment

# Credentials closer than this to expiring: the environment takes no more invocations.
CREDENTIALS_MARGIN = timedelta(minutes=5)


class Slot:
    """An environment and what the pool knows about it."""

    def __init__(self, env: ExecutionEnvironment, expires: datetime | None) -> None:
        self.env = env
        self.expires = expires
        self.leases = 0  # invocations it serves now
        # How many at once: 1, or a Managed Instances environment's concurrency.
        self.capacity: int = getattr(env, "capacity", 1)
        self.provisioned = env.provisioned  # kept initialised: never reaped for being idle

    @property
    def leased(self) -> bool:
        """Serving at least one invocation (not idle)."""
        return self.leases > 0

    def free(self) -> bool:
        """Room for one more invocation."""
        return self.leases < self.capacity

    def usable(self) -> bool:
        if self.env.retired or self.env.state is EnvironmentState.DEAD:
            return False
        return (
            self.expires is None or self.expires - datetime.now(timezone.utc) > CREDENTIALS_MARGIN
        )
