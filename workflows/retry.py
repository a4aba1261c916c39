"""The retry policy every activity shares: 1 s, doubling, at most 60 s between attempts."""

from datetime import timedelta

from temporalio.common import RetryPolicy

ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=60),
)

# Long enough for one Stripe or Postmark call; retries, not long timeouts, absorb slowness.
ACTIVITY_TIMEOUT = timedelta(seconds=30)
